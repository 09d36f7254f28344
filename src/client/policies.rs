//! A policy's Integrity Monitoring: module state, IM settings and rule assignments.
//!
//! Writes are limited to Integrity Monitoring: the policy modify body is a [`PolicyImModify`],
//! and single-setting writes accept only `integrityMonitoringSetting*` names.

use reqwest::Method;

use super::models::{is_im_setting, Assignments, PolicyIm, PolicyImModify, RuleIds, SettingValue};
use super::{encode_segment, Client, Error, Request};

fn policy_path(id: i64) -> String {
    format!("/policies/{id}")
}

fn setting_path(id: i64, name: &str) -> String {
    format!("/policies/{id}/settings/{}", encode_segment(name))
}

fn assignments_path(policy_id: i64) -> String {
    format!("/policies/{policy_id}/integritymonitoring/assignments")
}

fn require_im_setting(name: &str) -> Result<(), Error> {
    if is_im_setting(name) {
        return Ok(());
    }
    Err(Error::InvalidRequest(format!(
        "setting {name:?} is not an Integrity Monitoring setting \
         (names start with \"integrityMonitoringSetting\")"
    )))
}

impl Client {
    /// Reads a policy's ID, name, parent, `integrityMonitoring` extension and settings.
    ///
    /// With `overrides` true the API returns only what the policy itself sets.
    ///
    /// # Errors
    ///
    /// Returns [`Error::NotFound`] when no policy has this ID.
    pub async fn get_policy(&self, id: i64, overrides: bool) -> Result<PolicyIm, Error> {
        let request = Request::new(Method::GET, policy_path(id)).overrides(overrides);
        let body = self.execute(&request).await?;
        PolicyIm::from_json(&body).map_err(|error| self.decode_error(&request, error))
    }

    /// Changes a policy's IM state, rule IDs or IM settings, and returns the policy.
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidRequest`] for an empty request (the API requires a body),
    /// [`Error::NotFound`] when no policy has this ID, or the API's error.
    pub async fn modify_policy_im(
        &self,
        id: i64,
        changes: &PolicyImModify,
        overrides: bool,
    ) -> Result<PolicyIm, Error> {
        if changes.is_empty() {
            return Err(Error::InvalidRequest(format!(
                "modify of policy {id} carries no change"
            )));
        }
        // A modify sets fields to the given values, so repeating it is safe.
        let request = Request::new(Method::POST, policy_path(id))
            .overrides(overrides)
            .json(changes)?;
        let body = self.execute(&request).await?;
        PolicyIm::from_json(&body).map_err(|error| self.decode_error(&request, error))
    }

    /// Reads one policy setting; `None` when the API returns no value (with `overrides` true,
    /// a setting the policy does not override).
    ///
    /// # Errors
    ///
    /// Returns [`Error::NotFound`] when the policy or the setting does not exist.
    pub async fn get_policy_setting(
        &self,
        id: i64,
        name: &str,
        overrides: bool,
    ) -> Result<Option<String>, Error> {
        let request = Request::new(Method::GET, setting_path(id, name)).overrides(overrides);
        let body = self.execute(&request).await?;
        if body.is_null() {
            return Ok(None);
        }
        SettingValue::from_json(&body).map_err(|error| self.decode_error(&request, error))
    }

    /// Sets one Integrity Monitoring setting on a policy and returns the stored value.
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidRequest`] for a setting outside Integrity Monitoring,
    /// [`Error::NotFound`] when the policy or the setting does not exist, or the API's error.
    pub async fn set_policy_setting(
        &self,
        id: i64,
        name: &str,
        value: &str,
    ) -> Result<String, Error> {
        require_im_setting(name)?;
        // The response mirrors what the policy itself sets, which is what was just written.
        let request = Request::new(Method::POST, setting_path(id, name))
            .overrides(true)
            .json(&SettingValue::new(value))?;
        let body = self.execute(&request).await?;
        let stored =
            SettingValue::from_json(&body).map_err(|error| self.decode_error(&request, error))?;
        stored.ok_or_else(|| {
            self.decode_error(
                &request,
                super::DecodeError::field("value", "expected a string, found nothing"),
            )
        })
    }

    /// Resets one Integrity Monitoring setting so the policy inherits it again.
    ///
    /// # Errors
    ///
    /// Returns [`Error::InvalidRequest`] for a setting outside Integrity Monitoring,
    /// [`Error::NotFound`] when the policy or the setting does not exist, or the API's error.
    pub async fn reset_policy_setting(&self, id: i64, name: &str) -> Result<(), Error> {
        require_im_setting(name)?;
        let request = Request::new(Method::DELETE, setting_path(id, name));
        self.execute(&request).await.map(|_| ())
    }

    /// Lists a policy's rule assignments and recommendations.
    ///
    /// With `overrides` true only the rules assigned directly to this policy are listed;
    /// otherwise rules assigned to its parents are included.
    ///
    /// # Errors
    ///
    /// Returns [`Error::NotFound`] when no policy has this ID.
    pub async fn list_assignments(
        &self,
        policy_id: i64,
        overrides: bool,
    ) -> Result<Assignments, Error> {
        let request = Request::new(Method::GET, assignments_path(policy_id)).overrides(overrides);
        self.assignments(&request).await
    }

    /// Replaces the rules assigned directly to a policy and returns the direct assignments.
    ///
    /// # Errors
    ///
    /// Returns [`Error::NotFound`] when no policy has this ID, or the API's error.
    pub async fn set_assignments(
        &self,
        policy_id: i64,
        rule_ids: &[i64],
    ) -> Result<Assignments, Error> {
        let body = RuleIds {
            rule_ids: rule_ids.to_vec(),
        };
        let request = Request::new(Method::PUT, assignments_path(policy_id))
            .overrides(true)
            .json(&body)?;
        self.assignments(&request).await
    }

    /// Adds rules to a policy's direct assignments and returns the direct assignments.
    ///
    /// # Errors
    ///
    /// Returns [`Error::NotFound`] when no policy has this ID, or the API's error.
    pub async fn add_assignments(
        &self,
        policy_id: i64,
        rule_ids: &[i64],
    ) -> Result<Assignments, Error> {
        let body = RuleIds {
            rule_ids: rule_ids.to_vec(),
        };
        // Adding merges into a set, so a repeated add leaves the same result and may be retried.
        let request = Request::new(Method::POST, assignments_path(policy_id))
            .overrides(true)
            .json(&body)?;
        self.assignments(&request).await
    }

    /// Removes one rule from a policy's direct assignments and returns the direct assignments.
    ///
    /// # Errors
    ///
    /// Returns [`Error::NotFound`] when no policy has this ID, or the API's error.
    pub async fn remove_assignment(
        &self,
        policy_id: i64,
        rule_id: i64,
    ) -> Result<Assignments, Error> {
        let path = format!("{}/{rule_id}", assignments_path(policy_id));
        let request = Request::new(Method::DELETE, path).overrides(true);
        self.assignments(&request).await
    }

    async fn assignments(&self, request: &Request) -> Result<Assignments, Error> {
        let body = self.execute(request).await?;
        Assignments::from_json(&body).map_err(|error| self.decode_error(request, error))
    }
}
