//! Templates for e-mails, web pages and the annual report: built in from
//! `templates/`, each replaceable by a file of the same name in
//! `mail.templates_dir`, and all rendered against sample data when loaded,
//! so a broken template stops start-up, naming the template and line,
//! instead of failing on the first overdue case or the first manager to
//! open a link.

use std::path::Path;

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::views::notice::Notice;
use crate::views::team::TeamNotice;
use crate::views::{digest, pages, report, team, tracker};

/// Every template casewatch renders, with its built-in text. The extension
/// picks the escaping: `.html` is auto-escaped, `.txt` is not.
const BUILT_IN: [(&str, &str); 17] = [
    ("reminder.txt", include_str!("../templates/reminder.txt")),
    ("reminder.html", include_str!("../templates/reminder.html")),
    (
        "reason_form.html",
        include_str!("../templates/reason_form.html"),
    ),
    (
        "reason_done.html",
        include_str!("../templates/reason_done.html"),
    ),
    (
        "learning_form.html",
        include_str!("../templates/learning_form.html"),
    ),
    (
        "learning_done.html",
        include_str!("../templates/learning_done.html"),
    ),
    ("refused.html", include_str!("../templates/refused.html")),
    (
        "form_base.html",
        include_str!("../templates/form_base.html"),
    ),
    (
        "form_macros.html",
        include_str!("../templates/form_macros.html"),
    ),
    ("tracker.html", include_str!("../templates/tracker.html")),
    ("report.html", include_str!("../templates/report.html")),
    (
        "team_notice.txt",
        include_str!("../templates/team_notice.txt"),
    ),
    (
        "team_notice.html",
        include_str!("../templates/team_notice.html"),
    ),
    (
        "digest_learning.txt",
        include_str!("../templates/digest_learning.txt"),
    ),
    (
        "digest_learning.html",
        include_str!("../templates/digest_learning.html"),
    ),
    (
        "digest_escalation.txt",
        include_str!("../templates/digest_escalation.txt"),
    ),
    (
        "digest_escalation.html",
        include_str!("../templates/digest_escalation.html"),
    ),
];

/// Sample data for each template, to render it once at load.
fn sample(name: &str) -> minijinja::Value {
    use minijinja::value::Serde;
    match name {
        "reason_form.html" => minijinja::Value::from(Serde(pages::FormPage::sample())),
        "reason_done.html" => minijinja::Value::from(Serde(pages::DonePage::sample())),
        "learning_form.html" => minijinja::Value::from(Serde(pages::LearningPage::sample())),
        "learning_done.html" => minijinja::Value::from(Serde(pages::LearningDonePage::sample())),
        "refused.html" | "form_base.html" | "form_macros.html" => {
            minijinja::Value::from(Serde(pages::RefusedPage::sample()))
        }
        "tracker.html" => minijinja::Value::from(Serde(tracker::Page::sample())),
        "report.html" => minijinja::Value::from(Serde(report::Document::sample())),
        "team_notice.txt" | "team_notice.html" => {
            minijinja::Value::from(Serde(team::TeamNotice::sample()))
        }
        "digest_learning.txt" | "digest_learning.html" => {
            minijinja::Value::from(Serde(digest::LearningPage::sample()))
        }
        "digest_escalation.txt" | "digest_escalation.html" => {
            minijinja::Value::from(Serde(digest::EscalationPage::sample()))
        }
        _ => minijinja::Value::from(Serde(Notice::sample())),
    }
}

/// A template that failed to load or to render the sample notice.
#[derive(Debug, thiserror::Error)]
#[error("template {name}{}: {message}", source_file.as_deref().map(|f| format!(" ({f})")).unwrap_or_default())]
pub struct TemplateError {
    pub name: String,
    pub source_file: Option<String>,
    pub message: String,
}

/// The loaded, checked templates.
#[derive(Debug, Clone)]
pub struct Templates {
    env: Environment<'static>,
}

/// A rendered reminder: plain text and HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub html: String,
}

impl Templates {
    /// Loads the templates, taking each from `dir` when it holds a file of
    /// that name, and renders the sample notice through every one.
    pub fn load(dir: Option<&Path>) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        // Block tags on their own lines leave no blank lines behind.
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("the default delimiters are valid");
        env.set_syntax(syntax);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, built_in) in BUILT_IN {
            let file = dir.map(|d| d.join(name)).filter(|f| f.is_file());
            let source = match &file {
                Some(path) => std::fs::read_to_string(path).map_err(|e| TemplateError {
                    name: name.to_owned(),
                    source_file: Some(path.display().to_string()),
                    message: format!("cannot read: {e}"),
                })?,
                None => built_in.to_owned(),
            };
            env.add_template_owned(name, source)
                .map_err(|e| template_error(name, file.as_deref(), &e))?;
        }
        let templates = Self { env };
        for (name, _) in BUILT_IN {
            let file = dir.map(|d| d.join(name)).filter(|f| f.is_file());
            templates
                .env
                .get_template(name)
                .and_then(|t| t.render(sample(name)))
                .map_err(|e| template_error(name, file.as_deref(), &e))?;
        }
        Ok(templates)
    }

    /// Renders a reminder notice in both variants.
    pub fn reminder(&self, notice: &Notice) -> Result<Rendered, TemplateError> {
        let render = |name: &str| {
            self.render_one(name, notice)
                .map_err(|e| template_error(name, None, &e))
        };
        Ok(Rendered {
            text: render("reminder.txt")?,
            html: render("reminder.html")?,
        })
    }

    /// Renders an e-mail to the complaints team in both variants.
    pub fn team_notice(&self, notice: &TeamNotice) -> Result<Rendered, TemplateError> {
        Ok(Rendered {
            text: self.render("team_notice.txt", notice)?,
            html: self.render("team_notice.html", notice)?,
        })
    }

    /// Renders one template with `context`.
    pub fn render(&self, name: &str, context: &impl Serialize) -> Result<String, TemplateError> {
        self.render_one(name, context)
            .map_err(|e| template_error(name, None, &e))
    }

    fn render_one(&self, name: &str, context: &impl Serialize) -> Result<String, minijinja::Error> {
        self.env
            .get_template(name)?
            .render(minijinja::value::Serde(context))
    }
}

/// minijinja's message names the template and line; keep that, in our words.
fn template_error(name: &str, file: Option<&Path>, error: &minijinja::Error) -> TemplateError {
    let line = error
        .line()
        .map(|l| format!(" at line {l}"))
        .unwrap_or_default();
    TemplateError {
        name: name.to_owned(),
        source_file: file.map(|f| f.display().to_string()),
        message: format!("{}{line}", error.detail().unwrap_or(&error.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_templates_render_the_sample_and_escape_html() {
        let templates = Templates::load(None).unwrap();
        let mut notice = Notice::sample();
        notice.sections[0].items[0].team = "<b>Parks & Open Spaces</b>".to_owned();
        let out = templates.reminder(&notice).unwrap();
        assert!(
            out.text
                .starts_with("Dear Ann Lee,\n\n1 complaint response escalated"),
            "{}",
            out.text
        );
        assert!(out.text.contains("* CSC-2: Children's social care (statutory), stage 1, Fostering\n  3 working days overdue."), "{}", out.text);
        assert!(out.text.contains("<b>Parks & Open Spaces</b>"));
        assert!(
            out.html
                .contains("&lt;b&gt;Parks &amp; Open Spaces&lt;&#x2f;b&gt;"),
            "{}",
            out.html
        );
        assert!(!out.text.contains("\n\n\n"), "{}", out.text);
        // The sample's overdue section counts two cases it does not list.
        assert!(
            out.text.contains("\n\n  And 2 more, not listed here"),
            "{}",
            out.text
        );
        assert!(
            out.html.contains(">And 2 more, not listed here"),
            "{}",
            out.html
        );
    }

    #[test]
    fn a_template_in_the_folder_replaces_the_built_in_one() {
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::write(
            dir.path().join("reminder.txt"),
            "Hi {{ recipient_name }}: {{ summary }}",
        )
        .unwrap();
        let templates = Templates::load(Some(dir.path())).unwrap();
        let out = templates.reminder(&Notice::sample()).unwrap();
        assert!(
            out.text.starts_with("Hi Ann Lee: 1 complaint response"),
            "{}",
            out.text
        );
        assert!(out.html.contains("<!DOCTYPE html>"));
    }

    #[test]
    fn a_broken_template_is_refused_with_its_name_and_line() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("reminder.html");
        std::fs::write(&path, "<p>\n{{ summary }}\n{{ no_such_field }}</p>").unwrap();
        let err = Templates::load(Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("reminder.html") && err.contains(&path.display().to_string()),
            "{err}"
        );
        assert!(err.contains("line 3"), "{err}");
        std::fs::write(&path, "{% for x in %}").unwrap();
        let err = Templates::load(Some(dir.path())).unwrap_err().to_string();
        assert!(
            err.contains("reminder.html") && err.contains("line 1"),
            "{err}"
        );
    }
}
