"""Regenerate ``hub/data/countries.csv`` from the HDX Countries & Territories taxonomy.

The hub ships the table so that it needs no heavy data package at run time. To refresh it:

    pip install hdx-python-country && python scripts/refresh_countries.py

The table records, per ISO 3166-1 country: its UN M49 region, sub-region and intermediate
region, a representative point (for the member map) and the World Bank income group as the
taxonomy carries it (the World Bank's fiscal-year classification current at the package's
release, stated in the file's header comment).
"""

from __future__ import annotations

import csv
import datetime
import importlib.metadata
import pathlib

import hdx.location

INCOME = {"High": "HIC", "Upper middle": "UMC", "Lower middle": "LMC", "Low": "LIC", "": ""}
SOURCE = (
    pathlib.Path(hdx.location.__file__).parent
    / "Countries & Territories Taxonomy MVP - C&T Taxonomy.csv"
)
TARGET = pathlib.Path(__file__).resolve().parent.parent / "hub" / "data" / "countries.csv"


def main() -> None:
    version = importlib.metadata.version("hdx-python-country")
    with SOURCE.open(encoding="utf-8") as f:
        rows = [
            r for r in csv.DictReader(f) if r["ISO 3166-1 Alpha 2-Codes"] and r["Sub-region Code"]
        ]
    rows.sort(key=lambda r: r["ISO 3166-1 Alpha 2-Codes"])
    with TARGET.open("w", encoding="utf-8", newline="") as out:
        out.write(
            f"# Source: HDX Countries & Territories taxonomy, hdx-python-country {version}; "
            f"generated {datetime.date.today().isoformat()} by scripts/refresh_countries.py. "
            "World Bank income groups as carried by that release (consistent with the FY2024 "
            "list; consortium admins correct a school's group in the hub).\n"
        )
        writer = csv.writer(out)
        writer.writerow(
            [
                "iso2",
                "iso3",
                "m49",
                "name",
                "region_code",
                "region",
                "subregion_code",
                "subregion",
                "intermediate_code",
                "intermediate",
                "latitude",
                "longitude",
                "income_group",
            ]
        )
        for r in rows:
            writer.writerow(
                [
                    r["ISO 3166-1 Alpha 2-Codes"],
                    r["ISO 3166-1 Alpha 3-Codes"],
                    r["m49 numerical code"],
                    r["Preferred Term"],
                    r["Region Code"],
                    r["Region Name"],
                    r["Sub-region Code"],
                    r["Sub-region Name"],
                    r["Intermediate Region Code"],
                    r["Intermediate Region Name"],
                    r["Latitude"],
                    r["Longitude"],
                    INCOME[r["World Bank Income Level"]],
                ]
            )
    print(f"wrote {len(rows)} countries to {TARGET}")


if __name__ == "__main__":
    main()
