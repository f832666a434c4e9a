"""Reference workers: ``suite-worker run reference_workers.echo:handle --task-type ECHO`` and
``suite-worker run reference_workers.dreamina:handle --task-type DREAMINA_IMAGE_GENERATION ...``."""
