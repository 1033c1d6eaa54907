"""Bar charts as inline SVG, drawn on the server so a printed or archived bulletin needs no
script. Drawn by hand rather than by a plotting library: the text stays text (the reader's CJK
font draws it, no glyphs embedded), and the same figures always give the same bytes, with no
dates, generated ids or float noise in them, which an archive compared byte for byte needs."""

from html import escape

from gateway.bulletins.models import BarChart

WIDTH = 680
HEIGHT = 220
LEFT = 36
BOTTOM = 28
TOP = 24


def _ceiling(value: int) -> int:
    """The axis' top: the smallest of 1, 2 or 5 x 10^n not below the largest bar."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if magnitude * step >= value:
                return magnitude * step
        magnitude *= 10


def bar_chart(chart: BarChart) -> str:
    zh, en = chart.title
    top = _ceiling(max(chart.values, default=0))
    plot_w = WIDTH - LEFT - 8
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(chart.values), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(zh)} {escape(en)}">',
        f'<text x="{LEFT}" y="14" class="chart-title">{escape(zh)} · {escape(en)}</text>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 8}" y2="{TOP + plot_h}" class="axis"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" class="tick" text-anchor="end">{top}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" class="tick" text-anchor="end">0</text>',
    ]
    for index, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True)):
        height = round(plot_h * value / top, 1)
        x = round(LEFT + index * slot + slot * 0.15, 1)
        width = round(slot * 0.7, 1)
        middle = round(LEFT + index * slot + slot / 2, 1)
        y = round(TOP + plot_h - height, 1)
        parts.append(f'<rect x="{x}" y="{y}" width="{width}" height="{height}" class="bar"/>')
        if value:
            parts.append(
                f'<text x="{middle}" y="{round(y - 3, 1)}" class="value" text-anchor="middle">{value}</text>'
            )
        parts.append(
            f'<text x="{middle}" y="{HEIGHT - BOTTOM + 14}" class="tick" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
