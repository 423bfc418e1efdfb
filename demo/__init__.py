"""Demo data: `seed_demo` for `make run`, and the bulk seeding `make bench` uses. It sits above
every app (it writes through their models to build a believable programme); nothing imports it."""
