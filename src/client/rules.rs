//! Integrity Monitoring rules: create, read, modify, delete, list and search by name.
//!
//! Creates are not blindly repeated. A timeout, a connection dropped after sending, or HTTP
//! 502/503/504 leaves open whether the manager stored the rule, so the client then searches for
//! rules with the same name. A rule that matches every field of the request and is recent
//! enough is adopted (see `created.rs`), and no rule with the name means the create is sent
//! again. Any other outcome is an error, because a rule that someone else made must not end up
//! in Terraform's state.

use std::time::SystemTime;

use reqwest::Method;
use tracing::warn;

use super::created;
use super::models::{ImRule, SearchCriteria, SearchFilter};
use super::{Client, Error, Failure, Request};

const RULES: &str = "/integritymonitoringrules";

impl Client {
    /// Creates a rule and returns it as stored, with its ID.
    ///
    /// # Errors
    ///
    /// Returns the API's error, or the last transient error once the retries run out. After a
    /// failure that leaves open whether the manager stored the rule, returns
    /// [`Error::CreateFailed`], which also describes what the search for the rule found.
    pub async fn create_rule(&self, rule: &ImRule) -> Result<ImRule, Error> {
        let request = Request::new(Method::POST, RULES).json(rule)?;
        let started = SystemTime::now();
        let mut retry = 0;
        loop {
            let (error, ambiguous, retry_after) = match self.attempt(&request, retry + 1).await {
                Ok(body) => {
                    return ImRule::from_json(&body).map_err(|e| self.decode_error(&request, e))
                }
                Err(Failure::Final(error)) => return Err(error),
                Err(Failure::Transient {
                    error,
                    ambiguous,
                    retry_after,
                }) => (error, ambiguous, retry_after),
            };

            if ambiguous {
                // Without a name there is nothing to search by, so the outcome stays unknown.
                let Some(name) = rule.name.as_deref() else {
                    return Err(error);
                };
                // NOTE: the pause gives a create still running on the manager time to finish.
                // A create that takes longer than the pause is missed by the search, so a very
                // slow manager can still end up with a duplicate rule.
                let delay = self.backoff(retry, retry_after);
                warn!(rule_name = name, reason = %error, delay_ms = delay.as_millis() as u64,
                    "create failed ambiguously; searching for the rule by name");
                tokio::time::sleep(delay).await;

                let failed = |finding: Option<Error>| Error::CreateFailed {
                    name: name.to_string(),
                    create: Box::new(error),
                    finding: finding.map(Box::new),
                };
                match self.find_rule_created_by(rule, started).await {
                    Ok(Some(found)) => {
                        warn!(
                            rule_name = name,
                            rule_id = found.id,
                            "adopting the rule found after an ambiguous create"
                        );
                        return Ok(found);
                    }
                    Ok(None) if self.may_retry(retry) => {
                        warn!(
                            rule_name = name,
                            retry = retry + 1,
                            "rule not found; retrying create"
                        );
                        retry += 1;
                        continue;
                    }
                    Ok(None) => return Err(failed(None)),
                    Err(finding) => return Err(failed(Some(finding))),
                }
            }

            if !self.may_retry(retry) {
                return Err(error);
            }
            self.pause_before_retry(&request, retry, retry_after, &error)
                .await;
            retry += 1;
        }
    }

    /// Finds the rule that a failed create of `request`, first sent at `started`, made.
    ///
    /// Searches the rules named like the request and takes the one whose fields all match what
    /// the request sent and whose `lastUpdated`, when present, is not older than `started` less
    /// a clock skew tolerance. Only failed creates call this, so a create that succeeds costs
    /// no extra request.
    ///
    /// # Errors
    ///
    /// Returns [`Error::RulesNotAdopted`] when rules with the name exist but none can be the
    /// created one, [`Error::DuplicateRules`] when several can, [`Error::InvalidRequest`] when
    /// the request has no name, or the search's error.
    pub async fn find_rule_created_by(
        &self,
        request: &ImRule,
        started: SystemTime,
    ) -> Result<Option<ImRule>, Error> {
        let Some(name) = request.name.as_deref() else {
            return Err(Error::InvalidRequest(
                "a rule without a name cannot be searched for".to_string(),
            ));
        };
        let named = self.search_rules_by_name(name).await?;
        if named.is_empty() {
            return Ok(None);
        }

        let mut ids = Vec::new();
        let mut reasons = Vec::new();
        let mut matching = Vec::new();
        for rule in named {
            let Some(id) = rule.id else {
                reasons.push("a rule without an ID".to_string());
                continue;
            };
            ids.push(id);
            match created::mismatch(request, &rule, started) {
                None => matching.push(rule),
                Some(reason) => {
                    warn!(rule_name = name, rule_id = id, reason = %reason,
                        "rule with the requested name is not the one the create made");
                    reasons.push(format!("ID {id}: {reason}"));
                }
            }
        }
        match matching.len() {
            0 => Err(Error::RulesNotAdopted {
                name: name.to_string(),
                ids,
                reasons,
            }),
            1 => Ok(matching.pop()),
            _ => Err(Error::DuplicateRules {
                name: name.to_string(),
                ids: matching.iter().filter_map(|rule| rule.id).collect(),
            }),
        }
    }

    /// Reads one rule.
    ///
    /// # Errors
    ///
    /// Returns [`Error::NotFound`] when no rule has this ID.
    pub async fn get_rule(&self, id: i64) -> Result<ImRule, Error> {
        let request = Request::new(Method::GET, format!("{RULES}/{id}"));
        let body = self.execute(&request).await?;
        ImRule::from_json(&body).map_err(|error| self.decode_error(&request, error))
    }

    /// Changes the fields that are `Some` in `changes` and returns the whole rule.
    ///
    /// Read-only fields in `changes` are never sent.
    ///
    /// # Errors
    ///
    /// Returns [`Error::NotFound`] when no rule has this ID, or the API's error.
    pub async fn modify_rule(&self, id: i64, changes: &ImRule) -> Result<ImRule, Error> {
        // A modify sets fields to the given values, so repeating it is safe.
        let request = Request::new(Method::POST, format!("{RULES}/{id}")).json(changes)?;
        let body = self.execute(&request).await?;
        ImRule::from_json(&body).map_err(|error| self.decode_error(&request, error))
    }

    /// Deletes a rule.
    ///
    /// # Errors
    ///
    /// Returns [`Error::NotFound`] when no rule has this ID (the caller decides whether that
    /// counts as success), or the API's error, for example when the rule is still assigned.
    pub async fn delete_rule(&self, id: i64) -> Result<(), Error> {
        let request = Request::new(Method::DELETE, format!("{RULES}/{id}"));
        self.execute(&request).await.map(|_| ())
    }

    /// Finds the rules whose name is exactly `name`, with wildcards off.
    ///
    /// # Errors
    ///
    /// Returns the API's error or a decoding error.
    pub async fn search_rules_by_name(&self, name: &str) -> Result<Vec<ImRule>, Error> {
        let filter = SearchFilter {
            search_criteria: vec![SearchCriteria::string_equals("name", name)],
            ..SearchFilter::default()
        };
        let rules = self.search_rules(&filter).await?;
        // NOTE: the manager may compare names without regard to case, so the client keeps only
        // exact matches and a rule named "A" is never mistaken for one named "a".
        Ok(rules
            .into_iter()
            .filter(|rule| rule.name.as_deref() == Some(name))
            .collect())
    }

    /// Runs a rule search.
    ///
    /// # Errors
    ///
    /// Returns the API's error or a decoding error.
    pub async fn search_rules(&self, filter: &SearchFilter) -> Result<Vec<ImRule>, Error> {
        // A search changes nothing, so repeating it is safe.
        let request = Request::new(Method::POST, format!("{RULES}/search")).json(filter)?;
        let body = self.execute(&request).await?;
        ImRule::list_from_json(&body).map_err(|error| self.decode_error(&request, error))
    }

    /// Lists every rule, including the ones issued by Trend Micro.
    ///
    /// # Errors
    ///
    /// Returns the API's error or a decoding error.
    pub async fn list_rules(&self) -> Result<Vec<ImRule>, Error> {
        let request = Request::new(Method::GET, RULES);
        let body = self.execute(&request).await?;
        ImRule::list_from_json(&body).map_err(|error| self.decode_error(&request, error))
    }
}
