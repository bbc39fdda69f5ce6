//! `multipart/form-data` uploads of greetings, backups and snapshots, read as Laravel reads them.
//!
//! SARK's clients post a regular HTML form (`-F greeting=@file.wav` with curl, a form-data body in
//! Postman). The SDK's [`multipart`](switchboard_sdk::multipart) splits the body; this adds
//! Laravel's `required|file` answers on top.

use switchboard_sdk::multipart::{self, Part};

/// The uploaded file of form field `field`, as a Laravel `required|file` rule reads it: 422
/// `The <field> field is required.` when the body is not a multipart form or has no such field,
/// `The <field> must be a file.` when the field is a plain value.
pub fn file<'a>(req: &'a switchboard_sdk::Request, field: &str) -> Result<Part<'a>, switchboard_sdk::Error> {
    let attribute = crate::laravel::attribute(field);
    let required = || crate::laravel::invalid(field, format!("The {attribute} field is required."));
    let parts = multipart::parts(req).map_err(|_| required())?;
    let part = parts.into_iter().find(|p| p.name == field).ok_or_else(required)?;
    if !part.is_file() {
        return Err(crate::laravel::invalid(field, format!("The {attribute} must be a file.")));
    }
    if part.data.is_empty() {
        // PHP drops an empty upload (UPLOAD_ERR_NO_FILE): Laravel sees no field at all.
        return Err(required());
    }
    Ok(part)
}
