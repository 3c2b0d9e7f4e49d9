"""``python -m linyi_analysis``: validate the data and print a summary of the plan."""

from __future__ import annotations

import sys

from . import Error, citation, load_tables


def main() -> int:
    try:
        t = load_tables()
    except Error as err:  # bad data, an article that is not the one cited, …: one message, no traceback
        print(f"error: {err}", file=sys.stderr)
        return 1
    targets, measures = t["targets"], t["measures"]
    src = citation()
    print(f"{src['title']}\n{src['outlet']}, {src['date']}, reporter {src['reporter']}\n")
    per_action = (
        t["actions"][["action_id", "name"]]
        .merge(measures.groupby("action_id", observed=False).size().rename("measures").reset_index())
        .merge(targets.groupby("action_id", observed=False).size().rename("targets").reset_index())
    )
    print(per_action.to_string(index=False))
    print(f"\n{len(targets)} targets, {len(measures)} measures, {targets['unit'].nunique()} units")
    return 0


if __name__ == "__main__":
    sys.exit(main())
