//! `calma classify`, `calma rules check` and `calma eval`: the classifier from the command line,
//! on files, without the database. Author history is kept in memory across the input, so a
//! repeat asker or a copy-pasted text within one file is seen.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use super::{Ctx, EXIT_OK, EXIT_REJECTS, EXIT_USAGE};
use crate::classify::{self, Classifier, eval};
use crate::domain::{AuthorHistory, Classification, Comment, Flag, Tag};
use crate::ingest::{self, FileError, Item, ReadOptions, Stop, pipeline::reject_message};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Jsonl,
    Csv,
    Table,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// A rule pack laid over the default packs
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// The reader to use: auto (detect by content) or a reader's name
    #[arg(long, short, default_value = "auto", value_name = "F")]
    pub format: String,

    /// How to print the verdicts
    #[arg(long, short, value_enum, default_value = "jsonl")]
    pub output: Output,

    /// Add the matched text of every rule span
    #[arg(long)]
    pub explain: bool,

    /// A file of comments, or - for standard input
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate a rule pack: errors name the rule id and line
    Check {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, Args)]
pub struct ReclassifyArgs {
    /// A rule pack laid over the default packs
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Show what would change without writing it
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A CSV with the comments and a `label` column holding calma tags
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,

    /// A rule pack laid over the default packs
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

/// Loads the default packs, or them with the user's pack over them.
fn load_classifier(rules: Option<&Path>) -> Result<Classifier, String> {
    match rules {
        None => Ok(Classifier::builtin()),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Classifier::with_user_pack_text(&p.display().to_string(), &text).map_err(|errs| {
                errs.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
    }
}

/// Classifies comments in file order while remembering what each author and each text did.
pub struct Session<'a> {
    classifier: &'a Classifier,
    authors: HashMap<String, AuthorHistory>,
    texts: HashMap<i64, u32>,
}

impl<'a> Session<'a> {
    pub fn new(classifier: &'a Classifier) -> Self {
        Session {
            classifier,
            authors: HashMap::new(),
            texts: HashMap::new(),
        }
    }

    /// The verdict on `c`, given what came before it in this session.
    pub fn classify(&mut self, c: &Comment) -> Classification {
        self.classify_parts(c.platform, c.author.key(), &c.text, c.lang.as_deref())
    }

    /// The verdict on a text by an author (when known) on a platform.
    pub fn classify_parts(
        &mut self,
        platform: crate::domain::Platform,
        author: Option<&str>,
        text: &str,
        lang: Option<&str>,
    ) -> Classification {
        let a = self.classifier.analyse(text, lang);
        let fp = a.fingerprint();
        let key = author.map(|k| format!("{}:{k}", platform.as_str()));
        let mut history = key
            .as_ref()
            .and_then(|k| self.authors.get(k).copied())
            .unwrap_or_default();
        history.same_text = if fp == 0 {
            0
        } else {
            self.texts.get(&fp).copied().unwrap_or(0)
        };
        let v = self.classifier.decide(&a, &history);
        if fp != 0 {
            *self.texts.entry(fp).or_default() += 1;
        }
        if let Some(k) = key {
            let h = self.authors.entry(k).or_default();
            h.comments += 1;
            if v.flags.contains(Flag::AsksCompensation) {
                h.asked_compensation += 1;
            }
            if v.tag == Tag::Troll {
                h.trolled += 1;
            }
        }
        v
    }
}

/// Reads `path` (or stdin for `-`) and hands each item to `sink`.
fn read_input(
    path: &Path,
    format: Option<&str>,
    sink: &mut dyn FnMut(Item) -> Result<(), Stop>,
) -> Result<&'static str, FileError> {
    let opts = ReadOptions::default();
    if path == Path::new("-") {
        ingest::read_from(Path::new("-"), std::io::stdin().lock(), format, &opts, sink)
    } else {
        ingest::read_file(path, format, &opts, sink)
    }
}

#[derive(Serialize)]
struct SpanOut<'a> {
    start: usize,
    end: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
}

#[derive(Serialize)]
struct RuleOut<'a> {
    rule: &'a str,
    spans: Vec<SpanOut<'a>>,
}

#[derive(Serialize)]
struct Line<'a> {
    id: &'a str,
    tag: Tag,
    flags: crate::domain::Flags,
    sentiment: f64,
    lang: crate::domain::Lang,
    scores: serde_json::Map<String, serde_json::Value>,
    rules: Vec<RuleOut<'a>>,
    pack_version: &'a str,
}

fn json_line<'a>(c: &'a Comment, v: &'a Classification, explain: bool) -> Line<'a> {
    let scores = v
        .scores
        .iter()
        .map(|(t, s)| (t.as_str().to_owned(), serde_json::json!(round3(*s))))
        .collect();
    let rules = v
        .rules
        .iter()
        .map(|h| RuleOut {
            rule: &h.rule,
            spans: h
                .spans
                .iter()
                .map(|&(start, end)| SpanOut {
                    start,
                    end,
                    text: explain.then(|| c.text.get(start..end).unwrap_or("")),
                })
                .collect(),
        })
        .collect();
    Line {
        id: &c.external_id,
        tag: v.tag,
        flags: v.flags,
        sentiment: round3(v.sentiment),
        lang: v.lang,
        scores,
        rules,
        pack_version: &v.pack_version,
    }
}

/// An f32 score as the shortest f64 with three decimals (no `0.30000001`).
fn round3(x: f32) -> f64 {
    (x as f64 * 1000.0).round() / 1000.0
}

fn flag_list(v: &Classification) -> String {
    v.flags
        .iter()
        .map(Flag::as_str)
        .collect::<Vec<_>>()
        .join(";")
}

fn rule_list(c: &Comment, v: &Classification, explain: bool) -> String {
    v.rules
        .iter()
        .map(|h| {
            if explain {
                let texts: Vec<&str> = h
                    .spans
                    .iter()
                    .map(|&(s, e)| c.text.get(s..e).unwrap_or(""))
                    .collect();
                format!("{}[{}]", h.rule, texts.join("|"))
            } else {
                h.rule.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// One CSV field, quoted when it has to be (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn write_verdict(
    out: &mut dyn Write,
    csv_header: &mut bool,
    output: Output,
    c: &Comment,
    v: &Classification,
    explain: bool,
) -> std::io::Result<()> {
    match output {
        Output::Jsonl => {
            serde_json::to_writer(&mut *out, &json_line(c, v, explain))?;
            writeln!(out)
        }
        Output::Csv => {
            if !*csv_header {
                *csv_header = true;
                writeln!(out, "id,tag,flags,sentiment,lang,rules")?;
            }
            writeln!(
                out,
                "{},{},{},{:.3},{},{}",
                csv_field(&c.external_id),
                v.tag.as_str(),
                csv_field(&flag_list(v)),
                v.sentiment,
                v.lang.as_str(),
                csv_field(&rule_list(c, v, explain))
            )
        }
        Output::Table => {
            let id: String = c.external_id.chars().take(16).collect();
            writeln!(
                out,
                "{:<16} {:<12} {:<5} {:>6.2}  {:<28} {}",
                id,
                v.tag.as_str(),
                v.lang.as_str(),
                v.sentiment,
                flag_list(v),
                rule_list(c, v, explain)
            )
        }
    }
}

pub fn run(args: ClassifyArgs) -> anyhow::Result<u8> {
    if args.format != "auto" && ingest::reader_by_name(&args.format).is_none() {
        eprintln!(
            "calma: unknown format {:?}; use auto or one of: {}",
            args.format,
            ingest::reader_names().join(", ")
        );
        return Ok(EXIT_USAGE);
    }
    let classifier = match load_classifier(args.rules.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("calma: invalid rule pack:\n{e}");
            return Ok(EXIT_USAGE);
        }
    };
    let mut session = Session::new(&classifier);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.output == Output::Table {
        writeln!(
            out,
            "{:<16} {:<12} {:<5} {:>6}  {:<28} rules",
            "id", "tag", "lang", "sent", "flags"
        )?;
    }
    let file = args.path.display().to_string();
    let mut csv_header = false;
    let mut rejected = 0u64;
    let mut io_error: Option<std::io::Error> = None;
    let format = (args.format != "auto").then_some(args.format.as_str());
    let result = read_input(&args.path, format, &mut |item| {
        match item {
            Item::Comment(c) => {
                let v = session.classify(&c);
                if let Err(e) =
                    write_verdict(&mut out, &mut csv_header, args.output, &c, &v, args.explain)
                {
                    io_error = Some(e);
                    return Err(Stop);
                }
            }
            Item::Bad(b) => {
                rejected += 1;
                eprintln!("calma: {}", reject_message(&file, &b));
            }
        }
        Ok(())
    });
    if let Some(e) = io_error {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(EXIT_OK);
        }
        return Err(e.into());
    }
    out.flush()?;
    match result {
        Ok(_) | Err(FileError::Empty { .. }) => {}
        Err(e) => {
            eprintln!("calma: {e}");
            return Ok(EXIT_USAGE);
        }
    }
    Ok(if rejected > 0 { EXIT_REJECTS } else { EXIT_OK })
}

pub fn rules(args: RulesArgs) -> anyhow::Result<u8> {
    match args.command {
        RulesCommand::Check { file } => {
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("calma: {}: {e}", file.display());
                    return Ok(EXIT_USAGE);
                }
            };
            match classify::check_pack_named(&file.display().to_string(), &text) {
                Ok(s) => {
                    println!(
                        "{}: ok, {} rules, {} lists{}",
                        file.display(),
                        s.rules,
                        s.lists,
                        if s.languages.is_empty() {
                            String::new()
                        } else {
                            format!(", languages {}", s.languages.join(", "))
                        }
                    );
                    Ok(EXIT_OK)
                }
                Err(errs) => {
                    for e in &errs {
                        eprintln!("{e}");
                    }
                    eprintln!("calma: {} error(s) in {}", errs.len(), file.display());
                    Ok(EXIT_USAGE)
                }
            }
        }
    }
}

/// Reads the `label` column of a CSV by record id.
fn read_labels(path: &Path) -> anyhow::Result<HashMap<String, String>> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_path(path)?;
    let headers = r.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(id), Some(label)) = (col("id"), col("label")) else {
        anyhow::bail!("{}: needs `id` and `label` columns", path.display());
    };
    let mut out = HashMap::new();
    for rec in r.records() {
        let rec = rec?;
        if let (Some(i), Some(l)) = (rec.get(id), rec.get(label)) {
            out.insert(i.trim().to_owned(), l.trim().to_owned());
        }
    }
    Ok(out)
}

pub fn eval(args: EvalArgs) -> anyhow::Result<u8> {
    let classifier = match load_classifier(args.rules.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("calma: invalid rule pack:\n{e}");
            return Ok(EXIT_USAGE);
        }
    };
    let labels = match read_labels(&args.labels) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("calma: {e:#}");
            return Ok(EXIT_USAGE);
        }
    };
    let mut session = Session::new(&classifier);
    let mut pairs = Vec::new();
    let mut unknown = 0u64;
    let file = args.labels.display().to_string();
    let result = read_input(&args.labels, Some("csv"), &mut |item| {
        match item {
            Item::Comment(c) => {
                let v = session.classify(&c);
                match labels.get(&c.external_id).map(|l| l.parse::<Tag>()) {
                    Some(Ok(t)) => pairs.push((t, v.tag)),
                    _ => unknown += 1,
                }
            }
            Item::Bad(b) => eprintln!("calma: {}", reject_message(&file, &b)),
        }
        Ok(())
    });
    if let Err(e) = result {
        eprintln!("calma: {e}");
        return Ok(EXIT_USAGE);
    }
    if unknown > 0 {
        eprintln!("calma: {unknown} record(s) without a calma tag as label were left out");
    }
    let report = eval::evaluate(pairs);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_table());
    }
    Ok(EXIT_OK)
}

/// `calma reclassify`: a backtest of the rules over the stored comments, in the order they
/// arrived (so author history builds up as it did). Prints each verdict that changes and the
/// counts per from → to; writes the new verdicts unless `--dry-run`. Comments an operator
/// corrected are left alone.
pub fn reclassify(ctx: &Ctx, args: ReclassifyArgs) -> anyhow::Result<u8> {
    let classifier = match load_classifier(args.rules.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("calma: invalid rule pack:\n{e}");
            return Ok(EXIT_USAGE);
        }
    };
    let store = crate::store::Store::open(&ctx.db)?;
    let overridden = store.overridden_comments()?;
    let mut session = Session::new(&classifier);
    let mut changed: Vec<(i64, Classification)> = Vec::new();
    let mut counts: std::collections::BTreeMap<(Tag, Tag), u64> = Default::default();
    let mut seen = 0u64;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let filter = crate::store::CommentFilter {
        tag: None,
        platform: None,
        exclude_brand: true,
        state: None,
        overdue_at: None,
        cases_only: false,
    };
    store.for_each_comment(&filter, &mut |c| {
        seen += 1;
        let v = session.classify_parts(c.platform, c.author.key(), &c.text, c.lang.as_deref());
        if overridden.contains(&c.id) || (v.tag == c.tag && v.flags == c.flags) {
            return Ok(());
        }
        *counts.entry((c.tag, v.tag)).or_default() += 1;
        let flags =
            |f: crate::domain::Flags| f.iter().map(Flag::as_str).collect::<Vec<_>>().join(",");
        let text: String = c.text.chars().take(60).collect();
        writeln!(
            out,
            "{}\t{} -> {}\t[{}] -> [{}]\t{}",
            c.id,
            c.tag,
            v.tag,
            flags(c.flags),
            flags(v.flags),
            text.replace(['\n', '\t'], " ")
        )
        .map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))?;
        changed.push((c.id, v));
        Ok(())
    })?;
    writeln!(out, "\n{seen} comments, {} verdicts change", changed.len())?;
    for ((from, to), n) in &counts {
        writeln!(out, "  {from} -> {to}: {n}")?;
    }
    if args.dry_run {
        writeln!(out, "dry run: nothing written")?;
    } else {
        let n = store.update_classifications(&changed)?;
        writeln!(out, "written: {n}")?;
    }
    out.flush()?;
    Ok(EXIT_OK)
}
