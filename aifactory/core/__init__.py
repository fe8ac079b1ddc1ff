"""The core: pure logic that loads no Pulumi (errors, types, naming, addressing, DNS, access,
profiles, configuration, policies, limits, resource identity and the factory's assembly).

Everything above it (the service catalog, components, build, tools) imports downward into it;
nothing in it imports upward. ``tests/test_layers.py`` enforces both.
"""
