import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from encours.core.forecast.table import KeyedTimeline, row_quantiles


def test_bounds_count_only_events_of_the_same_key_strictly_before_the_time():
    timeline = KeyedTimeline(keys=np.array([2, 0, 0, 2, 0]), times=np.array([5, 10, 20, 7, 20]))
    start, end = timeline.bounds(keys=np.array([0, 0, 0, 2, 1]), times=np.array([10, 20, 21, 100, 50]))
    assert (end - start).tolist() == [0, 1, 3, 2, 0]


def test_unknown_key_minus_one_matches_nothing():
    timeline = KeyedTimeline(keys=np.array([-1, -1]), times=np.array([1, 2]))
    start, end = timeline.bounds(keys=np.array([-1]), times=np.array([10]))
    assert (end - start).tolist() == [0]


def test_queries_before_or_after_every_event_are_clamped():
    timeline = KeyedTimeline(keys=np.array([0, 0]), times=np.array([100, 200]))
    start, end = timeline.bounds(keys=np.array([0, 0]), times=np.array([-5, 10_000]))
    assert (end - start).tolist() == [0, 2]


def test_window_sum_adds_the_values_of_the_slice():
    timeline = KeyedTimeline(keys=np.array([0, 1, 0]), times=np.array([3, 1, 1]))
    start, end = timeline.bounds(keys=np.array([0, 1]), times=np.array([4, 4]))
    assert timeline.window_sum(np.array([5.0, 7.0, 2.0]), start, end).tolist() == [7.0, 7.0]


def test_last_values_are_most_recent_first_and_nan_padded():
    timeline = KeyedTimeline(keys=np.array([0, 0, 0, 1]), times=np.array([1, 2, 3, 1]))
    start, end = timeline.bounds(keys=np.array([0, 1]), times=np.array([3, 9]))
    last = timeline.last_values(np.array([10.0, 20.0, 30.0, 99.0]), start, end, width=3)
    assert last[0, :2].tolist() == [20.0, 10.0] and math.isnan(last[0, 2])
    assert last[1, 0] == 99.0 and np.isnan(last[1, 1:]).all()


def test_empty_timeline_answers_zero_counts():
    timeline = KeyedTimeline(keys=np.array([], dtype=np.int64), times=np.array([], dtype=np.int64))
    start, end = timeline.bounds(keys=np.array([0]), times=np.array([5]))
    assert (end - start).tolist() == [0]
    assert np.isnan(timeline.last_values(np.array([]), start, end, width=2)).all()


@given(
    st.lists(st.lists(st.one_of(st.none(), st.integers(-50, 200)), min_size=1, max_size=8), min_size=1, max_size=6),
    st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9]),
)
def test_row_quantiles_agree_with_numpy_nanquantile(rows, quantile):
    width = max(len(r) for r in rows)
    matrix = np.array([[math.nan if v is None else float(v) for v in r] + [math.nan] * (width - len(r)) for r in rows])
    ours = row_quantiles(matrix, quantile)
    for k, row in enumerate(matrix):
        if np.isnan(row).all():
            assert math.isnan(ours[k])
        else:
            assert math.isclose(ours[k], float(np.nanquantile(row, quantile)), abs_tol=1e-9)


@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 40), st.integers(-20, 20)), max_size=30),
    st.lists(st.tuples(st.integers(-1, 4), st.integers(-5, 50)), min_size=1, max_size=10),
)
def test_prefix_sums_match_a_direct_count(events, queries):
    keys = np.array([k for k, _, _ in events], dtype=np.int64)
    times = np.array([t for _, t, _ in events], dtype=np.int64)
    values = np.array([float(v) for _, _, v in events])
    timeline = KeyedTimeline(keys=keys, times=times)
    start, end = timeline.bounds(
        keys=np.array([k for k, _ in queries], dtype=np.int64),
        times=np.array([t for _, t in queries], dtype=np.int64),
    )
    sums = timeline.window_sum(values, start, end)
    for q, (key, moment) in enumerate(queries):
        selected = [v for k, t, v in events if k == key and t < moment and key >= 0]
        assert end[q] - start[q] == len(selected)
        assert sums[q] == sum(selected)
