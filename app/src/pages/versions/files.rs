//! A version's files as a tree: directories in path order with their files indented
//! below them, each file with its size, SHA-256 and a download link.
use crate::components::{DataTable, DASH};
use crate::routes;
use leptos::prelude::*;
use pedigree_core::artifact::VersionFiles;
use pedigree_core::{ModelName, Version};

/// The deepest indentation the stylesheet has a class for (`.depth-0` … `.depth-8`).
const MAX_DEPTH_CLASS: usize = 8;

/// One row of the tree: a directory (no size) or a file, at its depth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    pub depth: usize,
    /// The last segment, what the row shows.
    pub label: String,
    /// The full path below the version's root; for a file, what its link downloads.
    pub path: String,
    pub file: Option<(i64, String)>,
}

/// The rows of the tree for `paths` in path order (each with its size and digest): every
/// directory once, before the first file under it.
pub fn tree_rows(files: &VersionFiles) -> Vec<TreeRow> {
    let mut rows = Vec::with_capacity(files.files.len());
    let mut open: Vec<&str> = Vec::new();
    for f in &files.files {
        let segs: Vec<&str> = f.path.split('/').collect();
        let (dirs, leaf) = segs.split_at(segs.len() - 1);
        let common = open.iter().zip(dirs).take_while(|(a, b)| a == b).count();
        open.truncate(common);
        for (depth, d) in dirs.iter().enumerate().skip(common) {
            rows.push(TreeRow {
                depth,
                label: format!("{d}/"),
                path: dirs[..=depth].join("/"),
                file: None,
            });
            open.push(d);
        }
        rows.push(TreeRow {
            depth: dirs.len(),
            label: leaf[0].to_string(),
            path: f.path.clone(),
            file: Some((f.size, f.sha256.clone())),
        });
    }
    rows
}

/// Bytes in binary units: `512 B`, `3.4 KiB`, `1.2 GiB`.
pub fn format_size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{} B", bytes.max(0));
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[component]
pub fn FileTable(name: ModelName, version: Version, files: VersionFiles) -> impl IntoView {
    if files.files.is_empty() {
        return view! { <p class="muted">"No files."</p> }.into_any();
    }
    let summary = format!(
        "{} files, {} in all",
        files.files.len(),
        format_size(files.total_size())
    );
    let rows = tree_rows(&files);
    view! {
        <p class="muted small" data-testid="file-summary">{summary}</p>
        <DataTable testid="file-list" columns=&["Path", "Size", "SHA-256"]>
            {rows.into_iter().map(|r| {
                // A class per depth: the page's CSP allows no inline style.
                let indent = format!("depth-{}", r.depth.min(MAX_DEPTH_CLASS));
                match r.file {
                    Some((size, sha)) => {
                        let href = routes::version_file(&name, version, &r.path);
                        view! {
                            <tr data-testid="file-row" data-path=r.path.clone()>
                                <td class=indent><a href=href download>{r.label}</a></td>
                                <td class="num">{format_size(size)}</td>
                                <td class="mono small" title=sha.clone()>{sha.chars().take(16).collect::<String>()}"…"</td>
                            </tr>
                        }.into_any()
                    }
                    None => view! {
                        <tr class="dir"><td class=indent>{r.label}</td><td>{DASH}</td><td></td></tr>
                    }.into_any(),
                }
            }).collect_view()}
        </DataTable>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pedigree_core::artifact::VersionFile;

    fn files(paths: &[&str]) -> VersionFiles {
        VersionFiles {
            root: "1/r/artifacts/model".into(),
            digest: "d".into(),
            files: paths
                .iter()
                .map(|p| VersionFile {
                    path: p.to_string(),
                    size: 10,
                    sha256: "ab".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn every_directory_appears_once_before_its_files() {
        let rows = tree_rows(&files(&[
            "MLmodel",
            "data/model.pkl",
            "data/sub/a.bin",
            "data/sub/b.bin",
            "data/z.txt",
            "env/conda.yaml",
        ]));
        let shown: Vec<(usize, &str)> = rows.iter().map(|r| (r.depth, r.label.as_str())).collect();
        assert_eq!(
            shown,
            [
                (0, "MLmodel"),
                (0, "data/"),
                (1, "model.pkl"),
                (1, "sub/"),
                (2, "a.bin"),
                (2, "b.bin"),
                (1, "z.txt"),
                (0, "env/"),
                (1, "conda.yaml"),
            ]
        );
        assert_eq!(rows[4].path, "data/sub/a.bin");
        assert_eq!(rows[3].path, "data/sub");
        assert!(rows[3].file.is_none() && rows[4].file.is_some());
    }

    #[test]
    fn sizes_in_binary_units() {
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_size(3_482), "3.4 KiB");
        assert_eq!(format_size(1_288_490_189), "1.2 GiB");
    }
}
