"""Production serving: nginx in front of several uvicorn workers (see ``docs/deploiement.md``)."""
