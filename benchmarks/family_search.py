"""How long the live family search takes on a large organisation (target: usable on 20,000 families).

    .venv/bin/python benchmarks/family_search.py [--families 20000]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/family_search.py

Builds the families in a throw-away database (a temporary SQLite file, or a transaction rolled back on
PostgreSQL), then times the searches an agent types. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time

from webapp import db, make_engine, migrations
from webapp.families.models import Child, Civility, Family, Guardian
from webapp.families.services import refresh_search, search_families
from webapp.organisations.models import Country, Organisation, OrganisationKind

LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
        "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard"]
FIRST = ["Hélène", "Camille", "Sophie", "Julie", "Nicolas", "Thomas", "Karim", "Léa", "Inès", "Hugo", "Zoé", "Jules"]
QUERIES = ["mar", "lefe", "helene", "dubois camille", "0001234", "zzzz", "thomas"]


def populate(count: int) -> Organisation:
    rng = random.Random(1)
    org = Organisation(name="Grande ville", kind=OrganisationKind.COMMUNE, country=Country.FR)
    db.session.add(org)
    db.session.flush()
    for n in range(1, count + 1):
        last = f"{rng.choice(LAST)}{rng.choice(['', '-' + rng.choice(LAST)])}"
        family = Family(organisation_id=org.id, number=f"{n:07d}")
        family.guardians.append(Guardian(civility=Civility.MME, last_name=last, first_name=rng.choice(FIRST),
                                         is_payer=True))
        family.children.append(Child(last_name=last, first_name=rng.choice(FIRST)))
        refresh_search(family)
        db.session.add(family)
        if n % 2000 == 0:
            db.session.flush()
    db.session.flush()
    return org


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    engine = make_engine(url)
    with engine.connect() as connection:
        outer = connection.begin()
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("CREATE SCHEMA bench; SET search_path TO bench")
        migrations.upgrade(url, connection)
        db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
        started = time.perf_counter()
        org = populate(args.families)
        print(f"{engine.dialect.name}: {args.families} families built in {time.perf_counter() - started:.1f} s")
        for query in QUERIES:
            timings = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                page = search_families(org, query)
                timings.append((time.perf_counter() - started) * 1000)
            print(f"  {query!r:18} {page.total:6d} found   median {statistics.median(timings):6.1f} ms"
                  f"   max {max(timings):6.1f} ms")
        db.session.remove()
        outer.rollback()


if __name__ == "__main__":
    main()
