"""Teacher reviews of a material: how other schools rated it and how they used it. Read
through the caller's catalogue, as on the material page: a material the caller may not view
is a 404, and its reviews with it. Reviewers are named by their school, never by name.

Error reports are not offered here: their descriptions are for the reporter and the owner
school, and readers see their kind and status on the material page."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields
from werkzeug.wrappers import Response

from .. import db
from ..services import feedback
from . import present
from .core import catalogue, respond
from .problems import API_PREFIX
from .schemas import SchoolBrief

blp = Blueprint("api_feedback", __name__, url_prefix=API_PREFIX, description="Teacher reviews")


class ReviewOut(ma.Schema):
    """One teacher's review: their school, how they used the material, and what they say."""

    rating = fields.Integer(required=True, metadata={"description": "1 to 5"})
    level = fields.String(required=True, metadata={"description": "The level it was taught at"})
    class_size = fields.Integer(required=True, metadata={"description": "Learners in the class"})
    country = fields.String(required=True, metadata={"description": "Where it was taught"})
    comment = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "The version reviewed"})
    updated_at = fields.AwareDateTime(required=True)
    school = fields.Nested(SchoolBrief, required=True)


class ReviewList(ma.Schema):
    """A material's reviews: how many, their average rating, the newest of them."""

    count = fields.Integer(required=True)
    average = fields.Float(allow_none=True, metadata={"description": "None: no reviews yet"})
    items = fields.List(fields.Nested(ReviewOut), required=True)


@blp.route("/materials/<id:material_id>/reviews")
@blp.response(200, ReviewList)
def reviews(material_id: int) -> Response:
    """The reviews of a material by teachers of other schools, newest first (the newest 50;
    `count` and `average` cover them all)."""
    shown = catalogue().version(material_id, None, "view")
    found = feedback.reviews(db.session(), shown.material)
    items = [
        {
            "rating": r.rating,
            "level": r.level,
            "class_size": r.class_size,
            "country": r.country,
            "comment": r.comment,
            "version": r.number,
            "updated_at": r.updated_at,
            "school": present.school(r.school),
        }
        for r in found.shown
    ]
    return respond(ReviewList, {"count": found.count, "average": found.average, "items": items})
