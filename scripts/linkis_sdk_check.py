#!/usr/bin/env python3
"""Drive linkis-mock with the real PyPI `linkis-python-sdk` (0.2.x), unchanged.

Usage: linkis_sdk_check.py BASE_URL   (e.g. http://127.0.0.1:9001)

The SDK logs in (session cookie), submits through /entrance/submit, polls
/jobhistory/{taskID}/get, lists /filesystem/getDirFileTrees and opens every result file
with /filesystem/openFile. Exits non-zero on the first failure.
"""
import asyncio
import sys

from linkis_python_sdk.asyncio.client import LinkisClient as AsyncLinkisClient
from linkis_python_sdk.client import LinkisClient
from linkis_python_sdk.config.config import LinkisConfig

FAILURES = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + (f": {detail}" if detail and not cond else ""))
    if not cond:
        FAILURES.append(name)


def main(base):
    conf = LinkisConfig(base_url=f"{base}/api/rest_j/v1", username="alice", password="alice")
    client = LinkisClient(conf)

    sql = ("select e.id, e.name, e.salary, e.hired, d.name as dept "
           "from employees e left join departments d on e.dept_id = d.id order by e.id")
    query = {"columns": [{"column": c} for c in ["id", "name", "salary", "hired", "dept"]]}
    data, total, err = client.execute_code(sql, query, "spark-2.4.3", "sql")
    check("sync: join query succeeds", err == "", err)
    check("sync: 5 rows", total == 5 and len(data) == 5, f"total={total} data={data}")
    if data:
        check("sync: typed values", data[0]["id"] == 1 and data[0]["name"] == "alice"
              and abs(data[0]["salary"] - 12000.5) < 1e-9 and data[0]["dept"] == "engineering", str(data[0]))
        # openFile without nullValue renders SQL NULL as the string "NULL", as real Linkis
        # does; the SDK turns it into None for numeric columns only.
        check("sync: SQL NULL as upstream renders it", data[4]["salary"] is None and data[4]["dept"] == "NULL",
              str(data[4]))

    query = {"columns": [{"column": "customer"}, {"column": "total"}],
             "filters": [{"column": "total", "operator": "gt", "value": 100}],
             "orderbys": [{"column": "total", "ascending": False}]}
    data, total, err = client.execute_code(
        "select customer, sum(amount) as total from sales.orders group by customer", query, "hive", "hql")
    check("sync: aggregate with SDK-side filter", err == "" and [d["customer"] for d in data] == ["initech", "acme"],
          f"err={err} data={data}")

    # a scripted slow job: the SDK polls job history once a second until it finishes
    data, total, err = client.execute_code("-- @mock duration=2s\nshow tables",
                                           {"columns": [{"column": "tab_name"}]}, "spark", "sql")
    check("sync: slow job polled to completion", err == "" and total == 2, f"err={err} total={total}")

    # failures surface errDesc
    _, _, err = client.execute_code("select * from missing_table", {"columns": []}, "spark", "sql")
    check("sync: SQL error reaches the SDK", "no such table: missing_table" in err, err)
    _, _, err = client.execute_code("-- @mock fail=\"disk full\"\nselect 1", {"columns": []}, "spark", "sql")
    check("sync: scripted failure reaches the SDK", err == "disk full", err)

    # wrong password
    bad = LinkisClient(LinkisConfig(base_url=f"{base}/api/rest_j/v1", username="alice", password="nope"))
    _, _, err = bad.execute_code("select 1", {"columns": []}, "spark", "sql")
    check("sync: wrong password is reported", "wrong user name or password" in err, err)

    async def run_async():
        aclient = AsyncLinkisClient(LinkisConfig(base_url=f"{base}/api/rest_j/v1", username="bob", password="bob"))
        return await aclient.execute_code("select count(1) as n from employees", {"columns": [{"column": "n"}]},
                                          "spark", "sql")

    data, total, err = asyncio.run(run_async())
    check("async: count query", err == "" and data == [{"n": 5}], f"err={err} data={data}")

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed: {FAILURES}")
        return 1
    print("all linkis-python-sdk checks passed")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1].rstrip("/")))
