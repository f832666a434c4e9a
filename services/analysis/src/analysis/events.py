"""What analysis publishes through its outbox.

Integration events: ``analysis.video.downloaded.v1`` (a video's file is in the media store; catalog registers it as
an asset). Worker commands: the monitoring-task wake-ups of ``analysis.tasks.wakeup`` (``Outbox.add_command``,
routing keys ``analysis.<TASK_TYPE>``), consumed by analysis's own worker.
"""

from analysis.models import OutboxMessage
from common.outbox import Outbox

VIDEO_DOWNLOADED = "analysis.video.downloaded.v1"

outbox = Outbox(OutboxMessage, producer="analysis", publishes=[VIDEO_DOWNLOADED])
