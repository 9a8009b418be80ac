"""engee-mock and linkis-mock as Python context managers and pytest fixtures.

    from engee_linkis_mocks import EngeeMock, LinkisMock

    with LinkisMock() as linkis:
        print(linkis.url, linkis.count(path="/api/rest_j/v1/entrance/submit"))

Installed with pytest, the fixtures `engee_mock`, `linkis_mock` (one process per test) and
`engee_mock_session`, `linkis_mock_session` (one per run, reset before each test) are
available without a conftest.py.
"""

from ._mock import AdminError, MockServer, MockStartError, find_binary
from .servers import EngeeMock, LinkisMock

__all__ = ["AdminError", "EngeeMock", "LinkisMock", "MockServer", "MockStartError", "find_binary"]
