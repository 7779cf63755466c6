pytest_plugins = [
    "fixtures.evidence",
    "fixtures.target",
    "fixtures.personas",
    "fixtures.signin",
    "fixtures.flow",
    "fixtures.browser",
    "fixtures.selection",
]
