"""A bulletin's sections as bytes: one printable bilingual page (A4, charts inline, no script,
no external asset) and a zip holding one CSV per table.

Both are pure functions of the sections and the heading, so the same figures give the same
bytes: the zip's entries carry a fixed date, not the time they were written.
"""

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from gateway.bulletins.charts import bar_chart
from gateway.bulletins.models import Period, Section, Table

KIND_NAMES = {
    "day": ("日报", "Daily"),
    "week": ("周报", "Weekly"),
    "month": ("月报", "Monthly"),
    "year": ("年报", "Annual"),
}
# Zip entries need a date; a fixed one keeps the archive's bytes a function of its content.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

# The printable pages hold text operators and partners typed; escaped as they are, the policy
# also forbids any script, so a slip in escaping could still not run in a reader's browser.
PRINTABLE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "X-Content-Type-Options": "nosniff",
}

PRINT_CSS = (
    "@page{size:A4;margin:14mm 12mm}"
    "body{font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei','Microsoft YaHei',sans-serif;"
    "color:#111;margin:2em auto;max-width:186mm;font-size:10.5pt;line-height:1.45}"
    "h1{font-size:16pt;margin:0 0 .2em}h2{font-size:13pt;border-bottom:2px solid #b00;margin:1.2em 0 .4em}"
    "h3{font-size:11pt;margin:.8em 0 .3em}.meta{color:#444;margin:0 0 1em}"
    "table{border-collapse:collapse;width:auto;min-width:60%;margin:.3em 0 .8em;page-break-inside:avoid}"
    "td,th{border:1px solid #999;padding:2px 6px;text-align:left}th{background:#eee}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}.empty{color:#666;font-style:italic}"
    ".chart{max-width:100%;height:auto}.chart .bar{fill:#b22}.chart .axis{stroke:#333}"
    ".chart text{font-size:10px;fill:#222}.chart .chart-title{font-size:12px;font-weight:bold}"
    "section{page-break-inside:auto}@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}}"
)


def period_label(period: Period) -> str:
    if period.kind == "day":
        return period.first.isoformat()
    if period.kind == "month":
        return period.first.strftime("%Y-%m")
    if period.kind == "year":
        return period.first.strftime("%Y")
    return f"{period.first.isoformat()} – {(period.end - timedelta(days=1)).isoformat()}"


def _cell(value: str | int) -> str:
    if isinstance(value, int):
        return f"<td class='n'>{value}</td>"
    return f"<td>{escape(value)}</td>"


def table_html(table: Table) -> str:
    zh, en = table.title
    head = "".join(
        f"<th>{escape(c_zh)}<br><small>{escape(c_en)}</small></th>" for c_zh, c_en in table.columns
    )
    if table.rows:
        body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in table.rows)
    else:
        body = f"<tr><td class='empty' colspan='{len(table.columns)}'>无 · none</td></tr>"
    return (
        f"<h3>{escape(zh)} · {escape(en)}</h3><table data-table='{table.name}'><tr>{head}</tr>{body}</table>"
    )


def page(
    *, sections: Sequence[Section], period: Period, scope_name: tuple[str, str], generated_at: datetime
) -> str:
    kind_zh, kind_en = KIND_NAMES[period.kind]
    scope_zh, scope_en = scope_name
    issued = generated_at.astimezone(ZoneInfo(period.timezone)).strftime("%Y-%m-%d %H:%M")
    label = escape(period_label(period))
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>维稳信息简报 {escape(scope_zh)} {label}</title>",
        f"<style>{PRINT_CSS}</style></head><body>",
        f"<h1>维稳信息简报（{kind_zh}）· {escape(scope_zh)}</h1>",
        f"<p class='meta'>Stability bulletin ({kind_en.lower()}) · {escape(scope_en)} · {label}<br>",
        f"编制时间 Issued {issued} ({escape(period.timezone)}) · 演练单独统计，不计入事件数 · "
        "drills are counted apart from real incidents</p>",
    ]
    for section in sections:
        zh, en = section.title
        parts.append(f"<section data-section='{section.key}'><h2>{escape(zh)} · {escape(en)}</h2>")
        if section.note:
            parts.append(f"<p class='meta'>{escape(section.note[0])} · {escape(section.note[1])}</p>")
        if section.chart is not None:
            parts.append(bar_chart(section.chart))
        parts.extend(table_html(table) for table in section.tables)
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so a spreadsheet opens the Chinese as Chinese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f"{zh} / {en}" for zh, en in table.columns])
    writer.writerows(table.rows)
    return ("\ufeff" + out.getvalue()).encode()


def csv_zip(sections: Sequence[Section]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for section in sections:
            for table in section.tables:
                entry = zipfile.ZipInfo(f"{table.name}.csv", date_time=ZIP_DATE)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o644 << 16
                archive.writestr(entry, table_csv(table))
    return buffer.getvalue()


def table_from_zip(archive: bytes, name: str) -> bytes | None:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        try:
            return opened.read(f"{name}.csv")
        except KeyError:
            return None
