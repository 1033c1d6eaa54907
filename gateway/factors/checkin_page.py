"""The responsible person's check-in page (360x740 and up), written by the server: a phone on a
closed network may have little more than a browser, so the page works without scripts, and a
link that cannot be used answers with its own 4xx status and a page that says why in plain
words, never a stack trace. Chinese first; ``?lang=en`` for English.
"""

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse

from gateway.factors.links import CheckInPass
from gateway.factors.models import FactorRead
from kernel.errors import DomainError, Forbidden, Gone, Invalid, NotFound, Unauthorized
from kernel.http_errors import STATUS
from kernel.web.assets import SECURITY_HEADERS

LANGS = ("zh", "en")
DISTRICT_TIME = ZoneInfo("Asia/Shanghai")
WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "不稳定因素报到",
        "switch": "English",
        "switch_to": "en",
        "factor": "不稳定因素",
        "place": "地点",
        "unit": "责任单位",
        "person": "责任人",
        "watch": "敏感期",
        "due": "下次报到截止",
        "last": "上次报到",
        "overdue": "已超时，请立即报到",
        "status": "现场情况（简要）",
        "send": "报到",
        "recorded": "报到已记录，谢谢。",
        "never": "尚未报到",
        "forged": "此报到链接无效",
        "expired": "此报到链接已过期",
        "other_factor": "此链接属于另一个不稳定因素",
        "missing": "找不到这个不稳定因素",
        "closed": "此不稳定因素已不再需要报到",
        "invalid": "请填写现场情况",
        "what_now": "请联系指挥中心值班室索取新的链接。",
        "back": "返回",
    },
    "en": {
        "title": "Instability factor check-in",
        "switch": "中文",
        "switch_to": "zh",
        "factor": "Instability factor",
        "place": "Place",
        "unit": "Responsible unit",
        "person": "Responsible person",
        "watch": "Sensitive period",
        "due": "Next check-in due",
        "last": "Last check-in",
        "overdue": "Overdue: check in now",
        "status": "What you see now (short)",
        "send": "Check in",
        "recorded": "Check-in recorded. Thank you.",
        "never": "not yet",
        "forged": "This check-in link is not valid",
        "expired": "This check-in link has expired",
        "other_factor": "This link belongs to another instability factor",
        "missing": "This instability factor does not exist",
        "closed": "This instability factor needs no more check-ins",
        "invalid": "Write what you see now",
        "what_now": "Ask the command center's duty room for a new link.",
        "back": "Back",
    },
}


def language(asked: str | None) -> str:
    return asked if asked in LANGS else "zh"


def _time(value: datetime) -> str:
    """In the district's own time, as the person on the spot reads a clock."""
    return value.astimezone(DISTRICT_TIME).strftime("%m-%d %H:%M")


def _page(body: str, *, lang: str, status_code: int, reason: str) -> HTMLResponse:
    words = WORDS[lang]
    other = words["switch_to"]
    html = f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{words["title"]}</title>
  <link rel="icon" href="/shared/icon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/shared/app.css">
  <link rel="stylesheet" href="/web/check-in.css">
</head>
<body class="check-in" data-reason="{reason}">
  <header class="check-in-bar">
    <span class="brand"><span class="brand-mark" aria-hidden="true"></span>{words["title"]}</span>
    <a class="btn btn-ghost" href="?lang={other}" lang="{other}">{words["switch"]}</a>
  </header>
  <main id="main" class="check-in-main">{body}</main>
</body>
</html>"""
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
    return HTMLResponse(html, status_code=status_code, headers=headers)


def _reason(refusal: DomainError) -> str:
    if isinstance(refusal, Unauthorized):
        return "forged"
    if isinstance(refusal, Forbidden):
        return "other_factor"
    if isinstance(refusal, Gone):
        return "expired" if "expired_at" in refusal.details else "closed"
    if isinstance(refusal, NotFound):
        return "missing"
    if isinstance(refusal, Invalid):
        return "invalid"
    return "closed"


def refused(refusal: DomainError, *, lang: str) -> HTMLResponse:
    """Why this link checks nothing in, with the status a program reading it would expect."""
    words = WORDS[lang]
    reason = _reason(refusal)
    body = (
        f'<section class="check-in-refused"><h1>{words[reason]}</h1>'
        f"<p>{words['back'] if reason == 'invalid' else words['what_now']}</p>"
        f'<p class="muted">{escape(refusal.message)}</p></section>'
    )
    return _page(body, lang=lang, status_code=STATUS.get(type(refusal), 400), reason=reason)


def form(factor: FactorRead, link: CheckInPass, *, lang: str, done: bool) -> HTMLResponse:
    words = WORDS[lang]
    watch = factor.watch
    facts = [
        (words["factor"], escape(factor.description)),
        (words["place"], escape(factor.place or "—")),
        (words["unit"], escape(factor.responsible_unit)),
        (words["person"], escape(factor.responsible_name or "—")),
    ]
    if watch is not None:
        facts += [
            (words["watch"], f"{escape(watch.name)} {_time(watch.starts_at)} – {_time(watch.ends_at)}"),
            (words["due"], _time(watch.due_at)),
            (words["last"], _time(watch.last_check_in_at) if watch.last_check_in_at else words["never"]),
        ]
    rows = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in facts)
    overdue = watch is not None and watch.overdue and not done
    body = (
        f'<section data-factor-id="{escape(factor.id)}" data-watch-id="{escape(link.watch_id)}">'
        f"<h1>{words['title']}</h1>"
        + (f'<p class="check-in-done" role="status">{words["recorded"]}</p>' if done else "")
        + (f'<p class="check-in-overdue" role="alert">{words["overdue"]}</p>' if overdue else "")
        + f'<dl class="facts">{rows}</dl>'
        f'<form method="post" action="?lang={lang}" class="check-in-form">'
        f'<label class="field" for="status">{words["status"]}'
        f'<textarea id="status" name="status" required maxlength="500" rows="3"></textarea></label>'
        f'<button type="submit" class="btn btn-primary check-in-send">{words["send"]}</button>'
        "</form></section>"
    )
    return _page(body, lang=lang, status_code=200, reason="done" if done else "open")
