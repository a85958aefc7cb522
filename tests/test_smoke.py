from coordinator.planning import load_rule_base


def test_seed_rule_base_loads():
    rules = load_rule_base()
    assert len(rules.items) >= 30
