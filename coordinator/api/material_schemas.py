"""Schemas of the materials and licence API."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields


class MaterialUploadFormSchema(Schema):
    material = fields.String(required=True, metadata={"description": "a material name from the item's list "
                                                      "(or one named by the officer's return)"})
    replaces = fields.Integer(load_default=None, allow_none=True, metadata={
        "description": "the id of one current file of the material that the new file replaces (default: "
                       "the material's files at fault, after a return)"})


class MaterialUploadFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "a PDF, JPEG or PNG (judged by its content) of at most "
                                                         "20 MB"})


class StoredFileSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    size = fields.Integer()
    sha256 = fields.String()


class UploadedMaterialSchema(StoredFileSchema):
    material = fields.String()
    content_type = fields.String()


class MaterialSchema(Schema):
    name = fields.String()
    essential = fields.Boolean(metadata={"description": "false: may follow later (容缺受理)"})
    provided = fields.Boolean()
    source = fields.String(allow_none=True, metadata={"description": "upload, licence (an earlier item's "
                                                      "e-licence, 免提交), intermediary or commitment (告知承诺书)"})
    files = fields.List(fields.Nested(StoredFileSchema))
    at_fault = fields.List(fields.Integer(), metadata={"description": "ids of files named by a return, to replace"})


class MaterialListSchema(Schema):
    materials = fields.List(fields.Nested(MaterialSchema))
    commitment = fields.Boolean(metadata={"description": "the item is handled under 告知承诺"})


class CommitmentLetterSchema(Schema):
    text = fields.String(metadata={"description": "the 告知承诺书 generated from the rule base"})
    confirmed = fields.Boolean()
    confirmed_at = fields.DateTime(allow_none=True)
    sha256 = fields.String(allow_none=True)


class LicenceSchema(Schema):
    number = fields.String()
    issued_on = fields.String()
    verify_url = fields.String()
    sha256 = fields.String(metadata={"description": "SHA-256 of the licence PDF"})


class VerificationSchema(Schema):
    valid = fields.Boolean()
    number = fields.String()
    item = fields.String()
    project = fields.String()
    department = fields.String()
    issued_on = fields.String()
    sha256 = fields.String()
