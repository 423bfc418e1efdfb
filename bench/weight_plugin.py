"""pytest plugin for bench/weight.py: records what tests/portal/test_page_weight.py weighs.

The test finds every learner page and weighs it as a browser on a slow link would fetch it; the
plugin wraps its `weigh_learner_pages` so the bench gets the figures (written as JSON lines to
BENCH_WEIGHT_OUT) as well as the test's verdict.
"""

import json
import os


def pytest_collection_finish(session):
    from tests.portal import test_page_weight

    weigh = test_page_weight.weigh_learner_pages

    def recording(world, language):
        weights, unmeasured = weigh(world, language)
        with open(os.environ["BENCH_WEIGHT_OUT"], "a") as out:
            for name, (path, first, repeat) in weights.items():
                out.write(json.dumps([language, name, path, first, repeat]) + "\n")
        return weights, unmeasured

    test_page_weight.weigh_learner_pages = recording
