//! Finding the Terraform executables the tests run with, and their versions.

use std::env;
use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::process::{run_with_timeout, COMMAND_TIMEOUT};

/// Environment variable with the Terraform executables to test with, separated by colons.
/// `scripts/test.sh` sets it. Without it, the harness looks in `tools/` and on `PATH`.
pub const TERRAFORM_LIST_ENV: &str = "WORKLOAD_TEST_TERRAFORM";

/// Executables that `scripts/install-terraform.sh` installs, relative to the repository root.
const INSTALLED_TERRAFORM: [&str; 2] = [
    "tools/terraform-1.0.3/terraform",
    "tools/terraform-1.15/terraform",
];

/// Release number of a Terraform executable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl Version {
    /// Parses `MAJOR.MINOR.PATCH`, with an optional leading `v` and ignoring a pre-release or
    /// build suffix such as `-beta1`.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim().strip_prefix('v').unwrap_or(text.trim());
        let mut parts = text.splitn(3, '.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let rest = parts.next()?;
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let patch = rest[..digits_end].parse().ok()?;
        Some(Version {
            major,
            minor,
            patch,
        })
    }

    /// Returns whether this version is `major.minor.patch` or later.
    pub fn at_least(self, major: u64, minor: u64, patch: u64) -> bool {
        self >= Version {
            major,
            minor,
            patch,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// One Terraform executable and the version it reports.
#[derive(Debug, Clone)]
pub struct Terraform {
    pub path: PathBuf,
    pub version: Version,
}

impl Terraform {
    /// Runs `terraform version` on `path` and returns the executable with its version.
    ///
    /// # Errors
    ///
    /// Returns a message when the executable fails to run or prints no version.
    pub fn probe(path: &Path) -> Result<Terraform, String> {
        let mut command = Command::new(path);
        command
            .args(["version", "-json"])
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_CLI_CONFIG_FILE", "/dev/null");
        remove_inherited_terraform_env(&mut command);
        let description = format!("{} version -json", path.display());
        let output = run_with_timeout(&mut command, &description, COMMAND_TIMEOUT);
        if !output.success() {
            return Err(format!("`{description}` failed:\n{output}"));
        }

        // `version -json` exists since Terraform 0.13. Older releases print the text form, whose
        // first line is "Terraform vX.Y.Z".
        let reported = match serde_json::from_str::<serde_json::Value>(&output.stdout) {
            Ok(json) => json["terraform_version"].as_str().map(str::to_owned),
            Err(_) => output
                .stdout
                .lines()
                .next()
                .and_then(|line| line.strip_prefix("Terraform "))
                .map(str::to_owned),
        };
        let version = reported
            .as_deref()
            .and_then(Version::parse)
            .ok_or_else(|| format!("`{description}` printed no version:\n{output}"))?;
        Ok(Terraform {
            path: path.to_path_buf(),
            version,
        })
    }
}

impl fmt::Display for Terraform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Terraform {} ({})", self.version, self.path.display())
    }
}

/// Returns the Terraform executables to test with, oldest version first.
///
/// They come from `WORKLOAD_TEST_TERRAFORM` (paths separated by colons) when it is set and not
/// empty. Otherwise they are the builds in `tools/` that `scripts/install-terraform.sh`
/// installs, plus each `terraform` on `PATH` whose version is not already listed. The result is
/// computed once per test process.
///
/// # Panics
///
/// Panics when a listed executable does not run, or when none is found, so that tests fail
/// instead of passing without Terraform.
pub fn terraform_binaries() -> Vec<Terraform> {
    static BINARIES: OnceLock<Vec<Terraform>> = OnceLock::new();
    BINARIES.get_or_init(find_terraform_binaries).clone()
}

fn find_terraform_binaries() -> Vec<Terraform> {
    let mut found = match env::var(TERRAFORM_LIST_ENV) {
        Ok(list) if !list.trim().is_empty() => list
            .split(':')
            .filter(|path| !path.is_empty())
            .map(|path| probe_or_panic(Path::new(path)))
            .collect(),
        _ => discover_terraform_binaries(),
    };
    assert!(
        !found.is_empty(),
        "no Terraform executable found: run scripts/install-terraform.sh to install Terraform \
         1.0.3 and 1.15 into tools/, or list executables in {TERRAFORM_LIST_ENV} (separated by \
         colons)"
    );
    found.sort_by_key(|terraform| terraform.version);
    found
}

/// Lists the builds in `tools/`, then each `terraform` on `PATH` with a version not yet seen.
fn discover_terraform_binaries() -> Vec<Terraform> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found: Vec<Terraform> = INSTALLED_TERRAFORM
        .iter()
        .map(|relative| root.join(relative))
        .filter(|path| path.is_file())
        .map(|path| probe_or_panic(&path))
        .collect();

    let search_path = env::var_os("PATH").unwrap_or_default();
    for directory in env::split_paths(&search_path) {
        let candidate = directory.join("terraform");
        if !is_executable(&candidate) {
            continue;
        }
        // A `terraform` on PATH that does not run is not the project's concern, so it is
        // skipped rather than failing every test.
        let Ok(terraform) = Terraform::probe(&candidate) else {
            continue;
        };
        if found.iter().all(|known| known.version != terraform.version) {
            found.push(terraform);
        }
    }
    found
}

fn probe_or_panic(path: &Path) -> Terraform {
    Terraform::probe(path).unwrap_or_else(|message| {
        panic!("{message}\nreinstall with scripts/install-terraform.sh or fix {TERRAFORM_LIST_ENV}")
    })
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

/// Removes every inherited `TF_*` variable from `command`'s environment. Variables such as
/// `TF_CLI_ARGS`, `TF_DATA_DIR`, `TF_WORKSPACE` or `TF_REATTACH_PROVIDERS` change what a command
/// does, so tests must not depend on the developer's shell.
pub fn remove_inherited_terraform_env(command: &mut Command) {
    for (name, _) in env::vars_os() {
        if name.to_string_lossy().starts_with("TF_") {
            command.env_remove(name);
        }
    }
}
