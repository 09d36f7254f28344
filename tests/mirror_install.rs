//! Installs the packaged provider the way users of a release do: `scripts/package.sh` packs
//! this test run's build into a filesystem mirror, and the real `terraform init` installs it
//! from there and records it in the lock file. Then `plan` and `apply` run against an
//! in-process emulator, with every Terraform executable the harness finds.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use support::{run_with_timeout, terraform_binaries, Terraform, Workdir, COMMAND_TIMEOUT};
use tempfile::TempDir;
use terraform_provider_workload::emulator::{Emulator, EmulatorConfig, EmulatorHandle};

const PROVIDER_ADDRESS: &str = "registry.terraform.io/workload-security/workload";
const VERSION: &str = env!("CARGO_PKG_VERSION");
const API_KEY: &str = "mirror-install-key-8d2e";

/// File name of the CLI configuration that replaces the harness's `dev_overrides` one.
const MIRROR_CLI_CONFIG: &str = "mirror.tfrc";

/// Returns the output folder of one `scripts/package.sh` run for the whole test process.
fn packaged() -> &'static Path {
    static OUTPUT: OnceLock<TempDir> = OnceLock::new();
    OUTPUT
        .get_or_init(|| {
            let output = tempfile::Builder::new()
                .prefix("workload-dist-")
                .tempdir()
                .unwrap_or_else(|error| panic!("failed to create a temporary directory: {error}"));
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let mut command = Command::new("bash");
            command
                .arg(root.join("scripts/package.sh"))
                .arg("--binary")
                .arg(env!("CARGO_BIN_EXE_terraform-provider-workload"))
                .arg("--out")
                .arg(output.path())
                .arg(VERSION);
            let result = run_with_timeout(&mut command, "scripts/package.sh", COMMAND_TIMEOUT);
            assert!(result.success(), "scripts/package.sh failed\n{result}");
            output
        })
        .path()
}

fn os_arch() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

fn mirror_dir() -> PathBuf {
    packaged().join("mirror")
}

/// Renders a CLI configuration that installs the provider from the mirror only.
fn mirror_cli_config(mirror: &Path) -> String {
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = \
         [\"{PROVIDER_ADDRESS}\"]\n  }}\n  direct {{\n    exclude = [\"{PROVIDER_ADDRESS}\"]\n  \
         }}\n}}\n",
        mirror.display()
    )
}

fn config() -> String {
    format!(
        r#"terraform {{
  required_providers {{
    workload = {{
      source  = "workload-security/workload"
      version = "{VERSION}"
    }}
  }}
}}

provider "workload" {{}}

resource "workload_im_rule" "hosts" {{
  name                 = "Mirror install - hosts file"
  template             = "file"
  file_base_directory  = "/etc"
  file_included_values = ["hosts"]
}}

output "rule_id" {{
  value = workload_im_rule.hosts.id
}}
"#
    )
}

/// Python program that prints the `h1:` hash of the zip named by its argument.
const PACKAGE_HASH_PROGRAM: &str = r#"
import base64, hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    lines = "".join(
        "%s  %s\n" % (hashlib.sha256(archive.read(name)).hexdigest(), name)
        for name in sorted(archive.namelist())
    )
print("h1:" + base64.b64encode(hashlib.sha256(lines.encode()).digest()).decode())
"#;

/// Computes the `h1:` hash Terraform records for a package: the SHA-256 of the sorted lines
/// `SHA256HEX  NAME` of the files in the zip, in base64.
fn package_hash(zip: &Path) -> String {
    let mut command = Command::new("python3");
    command.arg("-c").arg(PACKAGE_HASH_PROGRAM).arg(zip);
    let output = run_with_timeout(&mut command, "python3 package hash", COMMAND_TIMEOUT);
    assert!(
        output.success(),
        "computing the package hash failed\n{output}"
    );
    output.stdout.trim().to_string()
}

/// Starts an emulator on a runtime that keeps serving while the test thread waits for
/// Terraform.
fn start_emulator() -> (tokio::runtime::Runtime, EmulatorHandle) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime starts");
    let emulator = runtime
        .block_on(Emulator::start(EmulatorConfig::local(API_KEY)))
        .expect("the emulator starts on loopback");
    (runtime, emulator)
}

fn mirror_workdir(terraform: &Terraform, emulator: &EmulatorHandle) -> Workdir {
    let mut workdir = Workdir::new(terraform);
    workdir.write_file(MIRROR_CLI_CONFIG, &mirror_cli_config(&mirror_dir()));
    let cli_config = workdir.path().join(MIRROR_CLI_CONFIG);
    workdir
        .set_env("TF_CLI_CONFIG_FILE", &cli_config.to_string_lossy())
        .set_env("WORKLOAD_SECURITY_ENDPOINT", &emulator.base_url())
        .set_env("WORKLOAD_SECURITY_API_KEY", API_KEY);
    workdir.write_file("main.tf", &config());
    workdir
}

#[test]
fn package_holds_release_files() {
    let dir = packaged();
    let prefix = format!("terraform-provider-workload_{VERSION}");
    let zip = format!("{prefix}_{}.zip", os_arch());
    let manifest = fs::read_to_string(dir.join(format!("{prefix}_manifest.json")))
        .expect("the package has a manifest");
    let manifest: serde_json::Value =
        serde_json::from_str(&manifest).expect("the manifest is JSON");
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );

    let sums = fs::read_to_string(dir.join(format!("{prefix}_SHA256SUMS")))
        .expect("the package has SHA256SUMS");
    assert!(sums.contains(&format!("  {zip}\n")), "{sums}");
    let mut check = Command::new("sha256sum");
    check
        .args(["--check", "--strict", &format!("{prefix}_SHA256SUMS")])
        .current_dir(dir);
    let output = run_with_timeout(&mut check, "sha256sum --check", COMMAND_TIMEOUT);
    assert!(
        output.success(),
        "the sums do not match the files\n{output}"
    );

    let mirrored = mirror_dir().join(PROVIDER_ADDRESS).join(&zip);
    assert_eq!(
        fs::read(&mirrored).expect("the mirror holds the zip"),
        fs::read(dir.join(&zip)).expect("the package holds the zip"),
        "the mirror's zip differs from the release zip"
    );
}

#[test]
fn mirror_init_plan_apply() {
    let zip = mirror_dir().join(PROVIDER_ADDRESS).join(format!(
        "terraform-provider-workload_{VERSION}_{}.zip",
        os_arch()
    ));
    let expected_hash = package_hash(&zip);

    for terraform in terraform_binaries() {
        eprintln!("installing from the mirror with {terraform}");
        let (_runtime, emulator) = start_emulator();
        let workdir = mirror_workdir(&terraform, &emulator);

        let init = workdir.run(&["init"]);
        assert!(
            init.success(),
            "`terraform init` failed with {terraform}\n{init}"
        );
        assert!(
            !init.stdout.contains("development overrides")
                && !init.stderr.contains("development overrides"),
            "init used dev_overrides instead of the mirror\n{init}"
        );
        let lock = fs::read_to_string(workdir.path().join(".terraform.lock.hcl"))
            .unwrap_or_else(|error| panic!("init wrote no lock file ({error})\n{init}"));
        assert!(
            lock.contains(&format!("provider \"{PROVIDER_ADDRESS}\"")),
            "the lock file does not list the provider\n{lock}"
        );
        assert!(
            lock.lines()
                .any(|line| line.trim_start().starts_with("version")
                    && line.contains(&format!("\"{VERSION}\""))),
            "the lock file does not pin version {VERSION}\n{lock}"
        );
        assert!(
            lock.contains(&format!("\"{expected_hash}\"")),
            "the lock file lacks the package hash {expected_hash}\n{lock}"
        );

        let plan = workdir.plan_exit_code();
        assert_eq!(
            plan.code, 2,
            "the first plan should propose the rule\n{plan}"
        );
        workdir.apply();
        let rule_id = workdir.state_resource("workload_im_rule.hosts")["id"]
            .as_str()
            .and_then(|id| id.parse::<i64>().ok())
            .expect("the rule's id is a numeric string");
        assert!(
            emulator.rule_json(rule_id).is_some(),
            "the emulator has no rule {rule_id} after apply"
        );
        workdir.assert_plan_empty();

        workdir.destroy();
        assert!(
            emulator.rule_json(rule_id).is_none(),
            "rule {rule_id} is still in the emulator after destroy"
        );
    }
}
