"""SVG charts of the serving figures, drawn on the server by pygal.

pygal writes plain SVG (no browser library, nothing fetched at run time: its tooltip
script, which it would load from the internet, is switched off), so the charts work on a
government intranet and on any phone.
"""

from __future__ import annotations

import pygal
from markupsafe import Markup
from pygal.style import Style

from handlers.stats import OUTCOME_LABELS, OUTCOMES, Figures

STYLE = Style(
    background="white", plot_background="white", foreground="#222", foreground_strong="#222",
    foreground_subtle="#666", colors=("#2e7d32", "#f9a825", "#c62828", "#1565c0"),
    font_family="sans-serif",
)  # fmt: skip
COMMON = {"js": [], "disable_xml_declaration": True, "style": STYLE, "width": 800,
          "height": 360, "legend_at_bottom": True, "no_data_text": "Chưa có dữ liệu"}


def questions_chart(figures: Figures) -> Markup:
    """Questions per day, stacked by outcome."""
    chart = pygal.StackedBar(title=f"Câu hỏi mỗi ngày ({figures.days} ngày)",
                             x_label_rotation=45, show_minor_x_labels=False, **COMMON)
    chart.x_labels = [f"{day.day:%d/%m}" for day in figures.per_day]
    chart.x_labels_major = chart.x_labels[:: max(1, figures.days // 15)]
    for outcome in OUTCOMES:
        chart.add(OUTCOME_LABELS[outcome], [getattr(day, outcome) for day in figures.per_day])
    return _svg(chart)


def users_chart(figures: Figures) -> Markup:
    """Active users per channel."""
    chart = pygal.HorizontalBar(title="Người dùng hoạt động theo kênh", **COMMON)
    for channel, users in figures.users_per_channel:
        chart.add(channel, users)
    return _svg(chart)


def _svg(chart: pygal.graph.graph.Graph) -> Markup:
    """The chart as inline SVG; pygal escapes the labels and values it writes."""
    return Markup(chart.render(is_unicode=True))
