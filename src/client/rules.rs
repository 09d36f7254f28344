//! Integrity Monitoring rules: create, read, modify, delete, list and search by name.
//!
//! Creates are not blindly repeated. A timeout, a connection dropped after sending, or HTTP
//! 502/503/504 leaves open whether the manager stored the rule, so the client then searches for
//! the rule by exact name. One match is adopted and no match means the create is sent again.
//! Several matches are an error because the client cannot tell which one it made.

use reqwest::Method;
use tracing::warn;

use super::models::{ImRule, SearchCriteria, SearchFilter};
use super::{decode_error, Client, Error, Failure, Request};

const RULES: &str = "/integritymonitoringrules";

impl Client {
    /// Creates a rule and returns it as stored, with its ID.
    ///
    /// # Errors
    ///
    /// Returns the API's error, [`Error::DuplicateRules`] when an ambiguous failure leaves
    /// several rules with the name, or the last transient error once the retries run out.
    pub async fn create_rule(&self, rule: &ImRule) -> Result<ImRule, Error> {
        let request = Request::new(Method::POST, RULES).json(rule)?;
        let mut retry = 0;
        loop {
            let (error, ambiguous, retry_after) = match self.attempt(&request, retry + 1).await {
                Ok(body) => return ImRule::from_json(&body).map_err(|e| decode_error(&request, e)),
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

                let mut found = self.search_rules_by_name(name).await?;
                match found.len() {
                    0 => {
                        if !self.may_retry(retry) {
                            return Err(error);
                        }
                        warn!(
                            rule_name = name,
                            retry = retry + 1,
                            "rule not found; retrying create"
                        );
                        retry += 1;
                        continue;
                    }
                    1 => {
                        warn!(
                            rule_name = name,
                            "adopting the rule found after an ambiguous create"
                        );
                        return Ok(found.remove(0));
                    }
                    count => {
                        return Err(Error::DuplicateRules {
                            name: name.to_string(),
                            count,
                        })
                    }
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

    /// Reads one rule.
    ///
    /// # Errors
    ///
    /// Returns [`Error::NotFound`] when no rule has this ID.
    pub async fn get_rule(&self, id: i64) -> Result<ImRule, Error> {
        let request = Request::new(Method::GET, format!("{RULES}/{id}"));
        let body = self.execute(&request).await?;
        ImRule::from_json(&body).map_err(|error| decode_error(&request, error))
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
        ImRule::from_json(&body).map_err(|error| decode_error(&request, error))
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
        ImRule::list_from_json(&body).map_err(|error| decode_error(&request, error))
    }

    /// Lists every rule, including the ones issued by Trend Micro.
    ///
    /// # Errors
    ///
    /// Returns the API's error or a decoding error.
    pub async fn list_rules(&self) -> Result<Vec<ImRule>, Error> {
        let request = Request::new(Method::GET, RULES);
        let body = self.execute(&request).await?;
        ImRule::list_from_json(&body).map_err(|error| decode_error(&request, error))
    }
}
