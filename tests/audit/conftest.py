"""Fixtures of the audit tests: the dossier fixtures (a procedure, a receptionist, private
media) and an online dossier."""

import pytest
from django.utils import translation

from motcua.dossiers import services
from tests.dossiers.conftest import (  # noqa: F401
    APPLICANT,
    other_receptionist,
    pdf_bytes,
    private_media,
    procedure,
    receptionist,
    upload,
)


@pytest.fixture(autouse=True)
def vietnamese():
    translation.activate("vi")
    yield
    translation.deactivate()


def online_dossier(center, proc, **applicant):
    docs = list(proc.current_version.document_cases.first().documents.all())
    return services.dossier_submit_online(
        center=center,
        procedure_code=proc.code,
        applicant={**APPLICANT, **applicant},
        uploads=[services.Upload(upload("a.pdf", pdf_bytes()), docs[0].pk)],
    )
