"""The daily bulletin (维稳信息简报): the center's figures for a day, a week, a month or a year, drawn
from the incidents, clocks, call-ups and drills, printed as one bilingual page with its tables
as CSV, and archived so a bulletin reads back as it was issued.

``sections.py`` is the one list of what a bulletin holds; ``periods.py`` says which days a
bulletin covers; ``render.py`` and ``charts.py`` turn sections into bytes; ``service.py``
generates and archives; ``scheduler.py`` issues the morning's bulletins once, across restarts.
"""
