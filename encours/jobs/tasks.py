from celery import shared_task


@shared_task(name="jobs.run_job")
def run_job(job_id: int) -> None:
    from django.db import close_old_connections

    from encours.jobs.services import job_execute

    close_old_connections()  # a long-lived worker may hold a connection the server has dropped
    job_execute(job_id)
