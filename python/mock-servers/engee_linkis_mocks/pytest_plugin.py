"""pytest fixtures, registered through the `pytest11` entry point (no conftest.py needed).

`engee_mock` / `linkis_mock` start a fresh process per test: nothing leaks between tests,
at ~50 ms a start. `engee_mock_session` / `linkis_mock_session` keep one process for the
whole run and call reset() (tokens, servers, jobs, files, the request journal) and
clear_faults() before each test, for suites where starts add up.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from .servers import EngeeMock, LinkisMock


@pytest.fixture
def engee_mock() -> Iterator[EngeeMock]:
    with EngeeMock() as mock:
        yield mock


@pytest.fixture
def linkis_mock() -> Iterator[LinkisMock]:
    with LinkisMock() as mock:
        yield mock


@pytest.fixture(scope="session")
def _engee_mock_process() -> Iterator[EngeeMock]:
    with EngeeMock() as mock:
        yield mock


@pytest.fixture(scope="session")
def _linkis_mock_process() -> Iterator[LinkisMock]:
    with LinkisMock() as mock:
        yield mock


@pytest.fixture
def engee_mock_session(_engee_mock_process: EngeeMock) -> EngeeMock:
    _engee_mock_process.reset()
    _engee_mock_process.clear_faults()
    return _engee_mock_process


@pytest.fixture
def linkis_mock_session(_linkis_mock_process: LinkisMock) -> LinkisMock:
    _linkis_mock_process.reset()
    _linkis_mock_process.clear_faults()
    return _linkis_mock_process
