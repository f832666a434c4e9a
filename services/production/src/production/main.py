from fastapi import FastAPI

from common.app import create_service_app
from common.auth import WorkerRoute
from common.broker import Topology
from production.credentials import CredentialsCipher
from production.platform_accounts.endpoints import router as platform_accounts_router
from production.projects.endpoints import router as projects_router
from production.settings import ProductionSettings
from production.tasks.dispatch import config as dispatch_config
from production.tasks.endpoints import router as tasks_router
from production.tasks.queues import TaskQueues
from production.webhooks.endpoints import router as webhooks_router
from production.worker_configs.endpoints import router as worker_configs_router

# What a worker key may call besides GET: its task reports.
WORKER_ROUTES = (
    WorkerRoute("PATCH", r"/api/tasks/[^/]+"),
    WorkerRoute("POST", r"/api/tasks/callback"),
    WorkerRoute("POST", r"/api/tasks/[^/]+/heartbeat"),
)


def create_app(settings: ProductionSettings | None = None) -> FastAPI:
    settings = settings or ProductionSettings()
    dispatch_config.configure(settings)
    queues = TaskQueues(settings.suite.amqp_url, Topology.from_settings(settings.suite))

    async def on_startup(app: FastAPI) -> None:
        app.state.task_queues = queues  # connects on first use: the API serves while the broker is down

    async def on_shutdown(app: FastAPI) -> None:
        await queues.close()

    app = create_service_app(
        name="production",
        settings=settings,
        routers=[projects_router, tasks_router, platform_accounts_router, worker_configs_router, webhooks_router],
        description="Projects, tasks and their dependency graph, platform accounts, worker configs and task queues.",
        worker_routes=WORKER_ROUTES,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        read_model_waits=True,  # project types and workflows come from ideation's events
    )
    app.state.credentials_cipher = CredentialsCipher(settings.credentials_keys)
    return app
