"""WSGI entry point: ``gunicorn wsgi:app``. Refuses to start when its services are unusable."""

from hub import check_services, create_app, prepare_worker

app = create_app()
check_services(app)
prepare_worker(app)
