"""Every case of the bad-input corpus fails the loader with one clear, located message."""

from __future__ import annotations

import pytest
from bad_inputs import CASES

import linyi_analysis as la


def test_corpus_is_broad():
    assert len(CASES) >= 15
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_loader_names_file_row_column_and_problem(case, data_copy, request):
    if case.needs_source:
        request.getfixturevalue("source_text")  # skips, with the reason, where the article is absent
    row = case.breaks(data_copy)
    with pytest.raises(la.DataValidationError) as info:
        la.load_targets(data_copy)
    matching = [
        p
        for p in info.value.problems
        if p.file == case.file and p.column == case.column and case.message in p.message
    ]
    assert matching, f"expected {case.file}/{case.column}: {case.message!r} in:\n{info.value}"
    if row is not None:
        assert row in {p.row for p in matching}
    assert str(matching[0]) in str(info.value)
