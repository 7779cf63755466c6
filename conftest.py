# Each plugin after the ones it imports, so pytest can rewrite the asserts of all of them.
pytest_plugins = [
    "fixtures.personas",
    "fixtures.target",
    "fixtures.leak_check",
    "fixtures.evidence",
    "fixtures.signin",
    "fixtures.vault",
    "fixtures.subscriptions",
    "fixtures.portal",
    "fixtures.organisations",
    "fixtures.webhooks",
    "fixtures.flow",
    "fixtures.browser",
    "fixtures.selection",
    "fixtures.preflight",
]
