//! Reading one run for its page: the run and its metric curves. Runs belong to
//! experiments, not to models, so reading one needs only the route's viewer need.
use super::Registry;
use crate::error::Result;
use crate::names::RunId;
use crate::run::RunView;

impl Registry {
    /// Run `id` with its metric curves.
    pub async fn run_view(&self, id: &RunId) -> Result<RunView> {
        let run = self.get_run(id).await?;
        let charts = self.run_charts(&run).await?;
        Ok(RunView { run, charts })
    }
}
