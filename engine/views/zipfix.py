"""Office files (.docx, .xlsx) are zip archives stamped with the time they were written; rewrite
them with a fixed stamp so that the same determination gives the same bytes."""

from __future__ import annotations

import io
import re
import zipfile

EPOCH = (1980, 1, 1, 0, 0, 0)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def deterministic_zip(data: bytes, modified: str | None = None) -> bytes:
    """`modified` (ISO 8601, e.g. 2022-03-01T00:00:00Z) replaces the document's last-modified
    property, which some writers (openpyxl) stamp with the time of saving whatever it was set to."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            body = src.read(info.filename)
            if modified is not None and info.filename == "docProps/core.xml":
                body = _MODIFIED.sub(rb"\g<1>" + modified.encode() + rb"\g<2>", body)
            dst.writestr(fixed, body)
    return out.getvalue()
