from celery import shared_task


@shared_task(name="jobs.run_job")
def run_job(job_id: int) -> None:
    from encours.jobs.services import job_execute

    job_execute(job_id)
