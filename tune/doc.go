// Package tune searches hyperparameters: a study samples trial specs from
// a search space over a base spec, runs each trial as its own
// `cnnscope train` child process (one run directory per trial inside the
// study directory), stops hopeless trials by their live diagnosis
// (--stop-on critical) and, for asha and hyperband, by asynchronous
// successive halving on the validation loss read from each trial's
// history.csv at rung boundaries.
//
// Defaults and their sources:
//   - sampler lhs: Latin hypercube sampling of all trials up front
//     (McKay, Beckman & Conover, Technometrics 1979; sampler.go says why
//     it is the default); --sampler random draws independently
//     (Bergstra & Bengio, JMLR 2012). Optuna's default is TPE, which
//     needs finished trials before it samples; here every trial is drawn
//     when the study is created, so study.json fixes the study for a seed.
//   - reduction factor 3 and grace period 1 epoch: the choice; 3 is
//     Hyperband's and KerasTuner's factor (Li et al., "Hyperband", JMLR
//     2018) and Optuna's SuccessiveHalvingPruner default; Ray Tune's ASHA
//     uses 4 with grace period 1 (one report of the trainable: an epoch
//     where the objective is reported per epoch). --grace takes a fraction
//     of an epoch: ASHA's resource may be any measure of training (Li et
//     al. 2018, 2020 use epochs, iterations, data set size); rungs inside
//     an epoch are in steps and compare the running training loss
//     (inepoch.go).
//   - the promotion rule is ASHA's early-stopping form (Li et al.,
//     "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020;
//     Ray Tune's AsyncHyperBandScheduler): a trial that reaches rung r
//     continues only if its value is no worse than the cutoff of the
//     values recorded at r before it, their best-1/η quantile (linear
//     interpolation, as numpy); the first trial at a rung continues. As in
//     Ray's _Bracket, the arriving trial's own value is not in the pool.
//   - hyperband is asynchronous Hyperband (Li et al. 2020, §3.3): brackets
//     of successive halving with grace periods g·η^b, trials assigned to
//     brackets in turn.
//
// Determinism: "so far" means the trials with a lower id (and the trial
// itself). A trial that reaches a rung before a lower-id trial of its
// bracket has settled there is paused (SIGSTOP) until it has, so the
// decisions, and so trials.csv, do not depend on timing or --parallel.
//
// Crash safety: study.json is replaced atomically after every event; a
// killed tuner's children die with it (Pdeathsig), and `tune --resume`
// continues unfinished trials with `cnnscope resume`.
//
// Executors: local runs trials as the tuner's child processes; slurm
// submits them as one job array (sbatch --array, task id = trial id,
// throttled to Parallel), each task running `cnnscope tune --slurm-task`
// (RunTask: train or resume into the trial's run directory, then its
// exit status in trials/NNN.exit). The tuner follows the tasks with
// squeue (by the study's job name), reads the same history.csv files,
// cancels pruned trials with scancel, and leaves the tasks running when
// it stops: --resume follows them again (job ids in study.json) and
// submits only trials whose task is gone without an exit status. A
// task that wrote its exit status is done even while squeue still lists
// it as completing; a task Slurm holds back for more than its turn
// (held, its node down or drained) is logged once per reason; each
// Slurm command has a minute to answer, else it counts as a failed
// poll (60 in a row stop the study, resumably). Slurm
// users cannot suspend jobs, so a trial waiting at a rung trains on;
// its later epochs are taken in only after the decision, as on Windows.
package tune
