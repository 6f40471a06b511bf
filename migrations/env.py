"""Alembic environment: the URL comes from the app's settings, or a connection is handed in (tests)."""

from alembic import context

from webapp.models import metadata

config = context.config


def run_migrations(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    driver = connection.connection.driver_connection
    if sqlite:
        # A batch migration rebuilds a table: dropping the old one would fail on the rows that reference it.
        # The pragma works only outside a transaction: sent to the driver before SQLAlchemy begins one.
        driver.execute("PRAGMA foreign_keys = OFF")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
            raise RuntimeError(f"Migration left rows without their parent: {broken[:5]}")
    if sqlite:
        driver.execute("PRAGMA foreign_keys = ON")


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    from webapp import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        run_migrations(conn)
    engine.dispose()
