"""The charts' geometry (reports/charts.py): bars proportional to their values, zero and
``None`` told apart, labels that fit, the term's weeks read from one compliance call."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from reports import charts
from reports.charts import Item, column_chart, hbar_chart
from reports.periods import term_period


def widths(chart):
    return [bar.width for bar in chart.bars]


def test_horizontal_bars_of_counts_are_proportional_to_the_largest():
    chart = hbar_chart("t", "title", [Item("甲", 10), Item("乙", 5), Item("丙", 1)])
    first, second, third = widths(chart)
    assert first == pytest.approx(chart.plot_width)
    assert second == pytest.approx(first / 2)
    assert third == pytest.approx(first / 10)
    assert all(bar.x == chart.plot_x for bar in chart.bars)
    # one row per item, each below the last
    assert [bar.y for bar in chart.bars] == sorted(bar.y for bar in chart.bars)
    assert chart.height >= chart.plot_bottom
    assert [bar.text for bar in chart.bars] == ["10", "5", "1"]


def test_rates_are_drawn_against_a_full_bar_of_100_percent():
    chart = hbar_chart("t", "title", [Item("甲", 0.5), Item("乙", 0.25), Item("丙", 1.0)],
                       rates=True)
    assert widths(chart) == pytest.approx(
        [chart.plot_width / 2, chart.plot_width / 4, chart.plot_width])
    assert [bar.text for bar in chart.bars] == ["50.0%", "25.0%", "100.0%"]
    assert [tick.text for tick in chart.ticks] == ["0%", "50%", "100%"]
    assert chart.ticks[-1].position == pytest.approx(chart.plot_right)
    # the colour says how well: green, amber, red
    assert "chart-bar-good" in chart.bars[2].css and "chart-bar-low" in chart.bars[1].css


def test_zero_and_none_are_told_apart():
    chart = hbar_chart("t", "title", [Item("有", 0.0), Item("无", None), Item("满", 1.0)],
                       rates=True)
    zero, none, full = chart.bars
    assert zero.width == 0 and not zero.empty and zero.zero and zero.text == "0.0%"
    assert none.width == 0 and none.empty and none.text == "—"
    assert full.width == pytest.approx(chart.plot_width)
    assert chart.drawn_bars == [zero, full]


def test_all_zero_counts_do_not_divide_by_zero():
    chart = hbar_chart("t", "title", [Item("甲", 0), Item("乙", 0)])
    assert widths(chart) == [0, 0]


def test_nothing_to_draw_is_an_empty_chart():
    chart = hbar_chart("t", "title", [], empty_text="none")
    assert chart.is_empty and chart.ticks == []
    assert column_chart("c", "title", []).is_empty


def test_values_out_of_range_stay_inside_the_plot():
    chart = hbar_chart("t", "title", [Item("甲", 1.5), Item("乙", -0.2)], rates=True)
    assert widths(chart) == pytest.approx([chart.plot_width, 0])


def test_long_labels_are_cut_to_fit_and_kept_whole_for_the_table():
    name = "青山县城关镇某某村九年一贯制学校附属幼儿园分部"
    chart = hbar_chart("t", "title", [Item(name, 3)])
    bar = chart.bars[0]
    assert bar.label == name
    assert bar.short_label.endswith("…") and len(bar.short_label) < len(name)
    assert charts.text_width(bar.short_label, charts.HBAR_FONT) <= chart.plot_x
    assert chart.plot_x <= charts.HBAR_LABEL_MAX


def test_text_width_counts_chinese_as_one_em():
    assert charts.text_width("学校", 10) == 20
    assert charts.text_width("ab", 10) == pytest.approx(12)


def test_columns_are_proportional_and_stand_on_the_axis():
    chart = column_chart("c", "title", [Item("1", 1.0), Item("2", 0.5), Item("3", 0.0),
                                         Item("4", None)])
    full, half, zero, none = chart.bars
    assert full.height == pytest.approx(chart.plot_height)
    assert half.height == pytest.approx(chart.plot_height / 2)
    assert zero.height == 0 and zero.zero
    assert none.empty and none.height == 0 and none.text == "—"
    for bar in chart.bars:
        assert bar.y + bar.height == pytest.approx(chart.plot_bottom)
    # equal slots from left to right, all inside the plot
    xs = [bar.x for bar in chart.bars]
    assert xs == sorted(xs)
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])
    assert xs[-1] + chart.bars[-1].width <= chart.plot_right


def test_many_narrow_columns_label_every_other_one():
    chart = column_chart("c", "title", [Item(str(n), 0.5) for n in range(1, 41)])
    labels = [bar.short_label for bar in chart.bars]
    assert labels[0] == "1" and labels[1] == "" and labels[2] == "3"


def test_the_svg_carries_a_title_a_description_and_a_bar_per_value():
    chart = hbar_chart("kinds", "按类别", [Item("双亲外出", 4), Item("孤儿", 0),
                                         Item("单亲家庭", None)],
                       description="说明", label_header="类别", value_header="人数")
    html = render_to_string("reports/includes/chart_figure.html", {"chart": chart})
    assert html.count("<svg") == 1
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="kinds-title"', html)
    assert '<title id="kinds-title">按类别</title>' in html
    assert '<desc id="kinds-desc">说明</desc>' in html
    assert html.count('<rect class="chart-bar') == 2  # the zero and the 4; None draws none
    assert "style=" not in html  # the CSP allows no inline style
    assert 'data-testid="chart-table"' in html and "单亲家庭" in html
    # coordinates are plain numbers, whatever the language
    assert not re.search(r'(?:x|y|width|height)="[^"]*,[^"]*"', html)


def test_an_empty_chart_says_so():
    html = render_to_string("reports/includes/chart_figure.html",
                            {"chart": column_chart("c", "标题", [], empty_text="没有")})
    assert "<svg" not in html and "没有" in html


# --- The term's weeks ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_terms_weeks_come_from_one_compliance_call(known, django_assert_max_num_queries):
    from reports.figures import registry_children
    from tests.reports.conftest import monday

    today = timezone.localdate()
    term = term_period(known.county1.pk, today)
    children = registry_children(known.bureau1)
    chart = charts.weekly_talk_by_week(children, term, today)
    weeks = charts.term_weeks(term, today)
    assert len(chart.bars) == len(weeks)
    this_week = chart.bars[-1]
    assert weeks[-1][1] == monday()
    # this week, county-wide: a1 and b1 talked to, of the six children on the registry
    assert this_week.value == pytest.approx(2 / 6)
    assert "chart-bar-current" in this_week.css
    # last week: only a4 talked to, of a1, a2, a4, b1, c1 (c2 entered on Monday)
    assert chart.bars[-2].value == pytest.approx(1 / 5)
    assert "chart-bar-current" not in chart.bars[-2].css
    with django_assert_max_num_queries(12):
        charts.weekly_talk_by_week(children, term, today)


def test_no_term_is_an_empty_chart():
    chart = charts.weekly_talk_by_week([], None, datetime.date(2026, 9, 9))
    assert chart.is_empty and chart.empty_text


def test_term_weeks_are_numbered_from_the_terms_first_week():
    from reports.periods import ReportPeriod

    term = ReportPeriod("term", "term", datetime.date(2026, 9, 2),  # a Wednesday
                        datetime.date(2027, 1, 20), "term")
    weeks = charts.term_weeks(term, datetime.date(2026, 9, 16))
    assert [number for number, _start, _end in weeks] == [1, 2, 3]
    assert weeks[0][1] == datetime.date(2026, 8, 31)  # the Monday of the first week
    assert weeks[-1][2] == datetime.date(2026, 9, 20)
