//! Checks that the committed documentation under `docs/` matches a fresh render from the
//! schemas and the example files, and that every attribute has a description.
//!
//! Re-render the pages with `scripts/render-docs.sh`, which runs this test with
//! `WORKLOAD_UPDATE_DOCS=1`.

use std::fs;
use std::path::{Path, PathBuf};

use terraform_provider_workload::docs::{self, Page};
use terraform_provider_workload::protocol::schema::{AttributeType, Block};
use terraform_provider_workload::provider::provider_schema;
use terraform_provider_workload::resources;

/// Environment variable that makes the test write the rendered pages instead of comparing.
const UPDATE_ENV: &str = "WORKLOAD_UPDATE_DOCS";

const RERENDER_HINT: &str = "re-render the pages with `scripts/render-docs.sh` (or \
    `WORKLOAD_UPDATE_DOCS=1 cargo test --test docs`) and commit the result";

fn repository_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn render() -> Vec<Page> {
    docs::render_pages(repository_root())
        .unwrap_or_else(|error| panic!("rendering the docs failed: {}", error_chain(&error)))
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Lists the committed resource pages, relative to the repository root.
fn committed_resource_pages() -> Vec<PathBuf> {
    let dir = repository_root().join("docs/resources");
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut pages: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .filter_map(|path| {
            path.strip_prefix(repository_root())
                .ok()
                .map(Path::to_path_buf)
        })
        .collect();
    pages.sort();
    pages
}

/// Describes the first line where `committed` and `rendered` differ.
fn first_difference(committed: &str, rendered: &str) -> String {
    let mut committed_lines = committed.lines();
    let mut rendered_lines = rendered.lines();
    let mut number = 1;
    loop {
        match (committed_lines.next(), rendered_lines.next()) {
            (Some(a), Some(b)) if a == b => number += 1,
            (None, None) => return "the files differ only in line endings".to_string(),
            (a, b) => {
                return format!(
                    "line {number}:\n    committed: {}\n    rendered:  {}",
                    a.unwrap_or("<end of file>"),
                    b.unwrap_or("<end of file>")
                )
            }
        }
    }
}

fn write_pages(pages: &[Page]) {
    let root = repository_root();
    for page in pages {
        let path = root.join(&page.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .unwrap_or_else(|error| panic!("failed to create {}: {error}", parent.display()));
        }
        fs::write(&path, &page.contents)
            .unwrap_or_else(|error| panic!("failed to write {}: {error}", path.display()));
        eprintln!("wrote {}", page.path.display());
    }
    for stale in committed_resource_pages() {
        if pages.iter().all(|page| page.path != stale) {
            fs::remove_file(root.join(&stale))
                .unwrap_or_else(|error| panic!("failed to remove {}: {error}", stale.display()));
            eprintln!("removed {}", stale.display());
        }
    }
}

#[test]
fn committed_docs_match_render() {
    let pages = render();
    if std::env::var(UPDATE_ENV).is_ok_and(|value| value == "1") {
        write_pages(&pages);
        return;
    }

    let mut problems = Vec::new();
    for page in &pages {
        let path = repository_root().join(&page.path);
        match fs::read_to_string(&path) {
            Ok(committed) if committed == page.contents => {}
            Ok(committed) => problems.push(format!(
                "{} is out of date, first difference at {}",
                page.path.display(),
                first_difference(&committed, &page.contents)
            )),
            Err(error) => problems.push(format!("{} is missing ({error})", page.path.display())),
        }
    }
    for committed in committed_resource_pages() {
        if pages.iter().all(|page| page.path != committed) {
            problems.push(format!(
                "{} belongs to no resource type",
                committed.display()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the committed docs differ from a fresh render:\n  {}\n{RERENDER_HINT}",
        problems.join("\n  ")
    );
}

#[test]
fn render_covers_every_resource() {
    let pages = render();
    for type_name in resources::registry().keys() {
        let name = docs::page_name(type_name).expect("resource types start with `workload_`");
        let expected = PathBuf::from(format!("docs/resources/{name}.md"));
        assert!(
            pages.iter().any(|page| page.path == expected),
            "no page rendered for {type_name}"
        );
    }
}

/// Collects the paths of attributes without a description in `block`.
fn undescribed(block: &Block, prefix: &str, missing: &mut Vec<String>) {
    for attribute in &block.attributes {
        let path = format!("{prefix}{}", attribute.name);
        if attribute.description.trim().is_empty() {
            missing.push(path.clone());
        }
        if let AttributeType::Nested(object) = &attribute.ty {
            let nested = Block {
                attributes: object.attributes.clone(),
                ..Block::default()
            };
            undescribed(&nested, &format!("{path}."), missing);
        }
    }
    for nested in &block.blocks {
        undescribed(
            &nested.block,
            &format!("{prefix}{}.", nested.type_name),
            missing,
        );
    }
}

#[test]
fn every_attribute_has_description() {
    let mut missing = Vec::new();
    undescribed(&provider_schema().block, "provider.", &mut missing);
    for (type_name, resource) in resources::registry() {
        let schema = resource.schema();
        if schema.block.description.trim().is_empty() {
            missing.push(format!("{type_name} (the resource itself)"));
        }
        undescribed(&schema.block, &format!("{type_name}."), &mut missing);
    }
    assert!(
        missing.is_empty(),
        "attributes without a description: {missing:?}"
    );
}

#[test]
fn provider_page_lists_environment_variables() {
    let pages = render();
    let index = pages
        .iter()
        .find(|page| page.path == Path::new("docs/index.md"))
        .expect("the render always includes docs/index.md");
    for variable in [
        "WORKLOAD_SECURITY_ENDPOINT",
        "WORKLOAD_SECURITY_REGION",
        "WORKLOAD_SECURITY_API_KEY",
        "WORKLOAD_SECURITY_INSECURE",
    ] {
        assert!(
            index.contents.contains(&format!("| `{variable}` |")),
            "docs/index.md has no table row for {variable}"
        );
    }
}
