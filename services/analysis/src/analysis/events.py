"""What analysis publishes through its outbox.

Integration events: none yet. Worker commands: the monitoring-task wake-ups of ``analysis.tasks.wakeup``
(``Outbox.add_command``, routing keys ``analysis.<TASK_TYPE>``), consumed by analysis's own worker.
"""

from analysis.models import OutboxMessage
from common.outbox import Outbox

outbox = Outbox(OutboxMessage, producer="analysis", publishes=[])
