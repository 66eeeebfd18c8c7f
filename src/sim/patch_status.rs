//! Maps patch-engine errors onto API Status errors.
use super::patch::PatchError;
use super::registry::ResourceType;
use super::server::status::ApiError;

pub fn to_api_error(_rt: &ResourceType, _name: &str, e: PatchError) -> ApiError {
    ApiError::bad_request(e.to_string())
}
