import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import sample_path


@pytest.mark.django_db
def test_scratch(client, credit_manager, tmp_path):
    call_command("import_fec", sample_path("595401761FEC20261031.txt"), stdout=io.StringIO())
    from encours.ledger.models import Customer, LegalEntity

    credit_manager.entities.add(LegalEntity.objects.get(siren="595401761"))
    client.force_login(credit_manager)
    c = Customer.objects.get(account_number="C01002")
    for url in [
        "/dashboard/?as_of=2026-10-31",
        "/reports/aged-balance/?as_of=2026-10-31",
        "/reports/aged-balance/?as_of=2026-10-31&by=region&edges=15,45",
        "/reports/aged-balance/export.csv?as_of=2026-10-31",
        "/reports/aged-balance/export.xlsx?as_of=2026-10-31&by=group",
        f"/reports/aged-balance/items/?as_of=2026-10-31&by=customer&key={c.pk}&column=over_120&name=X",
        "/reports/aged-balance/items/?as_of=2026-10-31&column=d1_30",
        "/reports/kpis/?as_of=2026-10-31",
        "/reports/kpis/?as_of=2026-10-31&by=customer&sort=-dso",
        "/reports/payment-behaviour/?as_of=2026-10-31",
        "/reports/weekly/?as_of=2026-10-31",
        "/reports/weekly/?as_of=2026-10-31&format=pdf",
        "/reports/weekly/?as_of=2026-10-31&format=xlsx",
        f"/customers/{c.pk}/",
    ]:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        print(url, r.status_code, len(ctx.captured_queries), len(r.content))
        assert r.status_code == 200, r.content.decode()[:3000]
        name = url.split("?")[0].strip("/").replace("/", "_")
        (tmp_path / name).write_bytes(r.content)
    for fmt in ("html", "pdf", "xlsx"):
        call_command("weekly_report", "--as-of", "2026-10-31", "--format", fmt, "--output", f"/tmp/weekly.{fmt}")
    import shutil

    shutil.copytree(tmp_path, "/tmp/pages", dirs_exist_ok=True)
