"""Vietnamese administrative documents (Decree 30/2020/NĐ-CP) for consultations.

Django-free: callers map their models onto the dataclasses exported here.
"""

from .decree30 import (
    DocumentHeader,
    Issuer,
    Signer,
    document_kind_name,
    number_line,
    vietnamese_date_line,
)
from .reports import (
    AGREED_LABEL,
    PENDING_LABEL,
    RESPONSE_TABLE_COLUMNS,
    RESULT_LABELS,
    OpinionCounts,
    OpinionItem,
    ReportData,
    ReportSection,
    Result,
    opinion_items_xlsx,
    response_table_docx,
    synthesis_report_docx,
)

__all__ = [
    "AGREED_LABEL",
    "PENDING_LABEL",
    "RESPONSE_TABLE_COLUMNS",
    "RESULT_LABELS",
    "DocumentHeader",
    "Issuer",
    "OpinionCounts",
    "OpinionItem",
    "ReportData",
    "ReportSection",
    "Result",
    "Signer",
    "document_kind_name",
    "number_line",
    "opinion_items_xlsx",
    "response_table_docx",
    "synthesis_report_docx",
    "vietnamese_date_line",
]
