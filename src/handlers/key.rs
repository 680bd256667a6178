//! CIOCKEY with the BSD semantics (docs/ABI.md §13): `crk_iparams` input numbers followed by
//! `crk_oparams` outputs in `crk_param`, each `crp_nbits` bits at `crp_p`, little-endian but
//! for DSA's digest (the hash's own big-endian bytes; `crate::asym` reads them).

use cryptodev_abi::{KeyOp, KeyParams, Reply};
use nix::errno::Errno;

use super::region;
use crate::asym::{self, MAX_OPERAND_BITS};
use crate::memory::{Completion, Inputs, Output, Plan};
use crate::stats::Stats;

/// The CIOCASYMFEAT mask when the operator opts in (`--asym`). CRK_DH_COMPUTE_KEY works but
/// is not announced: OpenSSL 1.0.2's engine, the client that would use it, asks for 8 times
/// the key's size and reads the result big-endian, so announcing it would corrupt its memory
/// or its DH secrets; unannounced, it computes DH in software.
pub(super) fn announceable_features() -> u32 {
    asym::features() & !KeyOp::DhComputeKey.feature_bit()
}

fn param_bytes(nbits: u32) -> u32 {
    nbits.div_ceil(8)
}

pub(super) fn plan(params: &KeyParams) -> Result<Plan, Errno> {
    let op = KeyOp::try_from(params.crk_op).map_err(|_| Errno::EINVAL)?;
    let (inputs, outputs) = (
        usize::from(params.crk_iparams),
        usize::from(params.crk_oparams),
    );
    if (params.crk_iparams, params.crk_oparams) != op.param_counts() {
        return Err(Errno::EINVAL);
    }
    let mut plan = Plan {
        writes_arg: true,
        // Private exponents and primes.
        reads_secrets: true,
        // Up to 8192-bit arithmetic: seconds, whatever the sizes.
        lengthy: true,
        ..Plan::default()
    };
    for (index, param) in params.params.iter().enumerate().take(inputs + outputs) {
        if param.nbits > MAX_OPERAND_BITS {
            return Err(Errno::EINVAL);
        }
        let bytes = param_bytes(param.nbits);
        if bytes == 0 {
            continue;
        }
        if index < inputs {
            plan.reads.push(region(param.p, bytes));
        } else {
            plan.writes.push(region(param.p, bytes));
        }
    }
    Ok(plan)
}

/// Runs a CIOCKEY on the operands read for its plan: unlike the session handlers, its plan
/// depends on the request alone, which the memory layer guarantees unchanged.
pub(super) fn execute(params: &KeyParams, inputs: &Inputs<'_>, stats: &Stats) -> Completion {
    let Ok(op) = KeyOp::try_from(params.crk_op) else {
        return Completion::failed(Errno::EINVAL);
    };
    let (count_in, count_out) = op.param_counts();
    let mut next = 0;
    let numbers: Vec<&[u8]> = params.params[..usize::from(count_in)]
        .iter()
        .map(|param| {
            if param_bytes(param.nbits) == 0 {
                return &[][..];
            }
            next += 1;
            inputs.get(next - 1)
        })
        .collect();
    let output_bits: Vec<u32> = params.params
        [usize::from(count_in)..usize::from(count_in + count_out)]
        .iter()
        .map(|param| param.nbits)
        .collect();
    match asym::run(op, &numbers, &output_bits) {
        Ok(result) => {
            stats.key_operation(op);
            let mut reply = *params;
            reply.crk_status = result.status;
            Completion {
                result: Ok(0),
                // Outputs of zero bits have no region in the plan.
                outputs: result
                    .outputs
                    .into_iter()
                    .filter(|o| !o.is_empty())
                    .map(Output::Owned)
                    .collect(),
                reply: Some(Reply::Key(reply)),
            }
        }
        Err(e) => {
            tracing::debug!(?op, "CIOCKEY refused: {e}");
            Completion::failed(Errno::EINVAL)
        }
    }
}
