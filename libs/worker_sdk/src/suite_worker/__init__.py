"""Task workers for the suite: ``Worker(settings, {"ECHO": handler}).run()`` or ``suite-worker run module:handler``.

A handler is a plain async function from the queue message (``payload``: task input, dependency outputs, platform
account, configs) to the task's ``task_output``. Raise to fail the task with the exception's message.
"""

from suite_worker.client import ReportError, SuiteClient
from suite_worker.runner import Handler, Worker
from suite_worker.settings import WorkerSettings

__all__ = ["Handler", "ReportError", "SuiteClient", "Worker", "WorkerSettings"]
