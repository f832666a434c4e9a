"""The fields ideation's API objects carry, shared by its tests (imported relatively: ``from ..fields import``)."""

PROJECT_TYPE_FIELDS = {
    "code",
    "name",
    "description",
    "inspiration_workflow_id",
    "transform_workflow_id",
    "execution_workflow_id",
    "default_parameters",
    "parameter_schema",
    "category",
    "sort_order",
    "is_active",
    "created_at",
    "updated_at",
}
WORKFLOW_FIELDS = {
    "id",
    "name",
    "description",
    "workflow_type",
    "n8n_webhook_url",
    "is_active",
    "callback_timeout_seconds",
    "created_at",
    "updated_at",
}
