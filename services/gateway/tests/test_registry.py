"""The registry is the one list of the suite's services; what must agree with it elsewhere does."""

import importlib

import pytest

from gateway.registry import DEFAULT_PORTS, REGISTRY, SERVICES
from gateway.routes import ROUTE_TABLE
from gateway.settings import GatewaySettings


@pytest.mark.parametrize("service", REGISTRY, ids=lambda service: service.name)
def test_each_service_listens_by_default_on_its_registry_port(service):
    settings_module = importlib.import_module(f"{service.name}.settings")
    settings_class = getattr(settings_module, f"{service.name.capitalize()}Settings")
    assert settings_class.model_fields["port"].default == service.port


def test_the_gateway_reaches_every_registered_service_on_its_default_port():
    settings = GatewaySettings(_env_file=None)
    assert settings.service_urls() == {name: f"http://127.0.0.1:{DEFAULT_PORTS[name]}" for name in SERVICES}
    assert settings.port == DEFAULT_PORTS["gateway"]


def test_every_service_owns_routes_and_every_route_has_a_registered_owner():
    assert {route.service for route in ROUTE_TABLE} == {*SERVICES, "gateway"}  # the gateway serves /api/events
    prefixes = [route.prefix for route in ROUTE_TABLE]
    assert len(prefixes) == len(set(prefixes)), "a prefix is registered twice"
