-- Bank holidays imported from GOV.UK bank-holidays.json files. For each
-- (division, year) listed in holiday_years, the stored days replace the
-- calendar's built-in ones; other years keep the built-in data and rules.

CREATE TABLE holiday_years (
    division    TEXT NOT NULL CHECK (division IN ('england-and-wales', 'scotland', 'northern-ireland')),
    year        INTEGER NOT NULL,
    source      TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (division, year)
);

CREATE TABLE holidays (
    division TEXT NOT NULL,
    year     INTEGER NOT NULL,
    day      TEXT NOT NULL,
    title    TEXT NOT NULL,
    PRIMARY KEY (division, day),
    FOREIGN KEY (division, year) REFERENCES holiday_years (division, year) ON DELETE CASCADE
);
