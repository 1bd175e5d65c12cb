//! The Gaussian copula: correlated inputs with exactly the marginals the file gives.
//!
//! A target Spearman rank correlation ρs between two inputs becomes the Pearson
//! correlation ρp = 2·sin(π·ρs/6) of the underlying standard normals (for a normal
//! pair, Spearman's ρ is (6/π)·asin(ρp/2)). Per sample: z ~ N(0, I), y = L·z with L
//! the Cholesky factor of the Pearson matrix, u = Φ(y), x = F⁻¹(u) per marginal.
//! A matrix that is not positive definite is refused, with its smallest eigenvalue
//! and the nearest valid rank correlations (eigenvalues clipped, diagonal restored).

/// ρs → the Pearson correlation of the normals that yields it.
pub fn pearson_of_spearman(rho_s: f64) -> f64 {
    2.0 * (std::f64::consts::PI * rho_s / 6.0).sin()
}

/// ρp of the normals → the Spearman correlation it yields.
pub fn spearman_of_pearson(rho_p: f64) -> f64 {
    6.0 / std::f64::consts::PI * (rho_p / 2.0).clamp(-1.0, 1.0).asin()
}

/// A symmetric k×k matrix, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    pub k: usize,
    pub a: Vec<f64>,
}

impl Matrix {
    pub fn identity(k: usize) -> Matrix {
        let mut a = vec![0.0; k * k];
        (0..k).for_each(|i| a[i * k + i] = 1.0);
        Matrix { k, a }
    }
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.k + j]
    }
    pub fn set_sym(&mut self, i: usize, j: usize, v: f64) {
        self.a[i * self.k + j] = v;
        self.a[j * self.k + i] = v;
    }

    /// The lower-triangular L with L·Lᵀ = self, or None if not positive semi-definite
    /// (a rank correlation of ±1 is allowed: its pivot is 0).
    pub fn cholesky(&self) -> Option<Vec<f64>> {
        let k = self.k;
        let mut l = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..=i {
                let dot: f64 = (0..j).map(|m| l[i * k + m] * l[j * k + m]).sum();
                if i == j {
                    let d = self.get(i, i) - dot;
                    if !(d > -1e-9) {
                        return None;
                    }
                    l[i * k + i] = d.max(0.0).sqrt();
                } else if l[j * k + j] > 1e-9 {
                    l[i * k + j] = (self.get(i, j) - dot) / l[j * k + j];
                } else if (self.get(i, j) - dot).abs() > 1e-6 {
                    // A zero pivot needs a zero residual, else the matrix is not PSD.
                    return None;
                }
            }
        }
        Some(l)
    }

    /// Eigenvalues and eigenvectors (columns of the returned matrix, row-major) by
    /// cyclic Jacobi rotations: exact enough for the small matrices of a model.
    pub fn eigen(&self) -> (Vec<f64>, Vec<f64>) {
        let k = self.k;
        let mut a = self.a.clone();
        let mut v = Matrix::identity(k).a;
        for _sweep in 0..100 {
            let off: f64 = (0..k)
                .flat_map(|i| (0..k).filter(move |&j| j != i).map(move |j| (i, j)))
                .map(|(i, j)| a[i * k + j] * a[i * k + j])
                .sum();
            if off < 1e-22 {
                break;
            }
            for p in 0..k {
                for q in p + 1..k {
                    let apq = a[p * k + q];
                    if apq.abs() < 1e-300 {
                        continue;
                    }
                    let theta = (a[q * k + q] - a[p * k + p]) / (2.0 * apq);
                    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                    let t = if theta == 0.0 { 1.0 } else { t };
                    let c = 1.0 / (t * t + 1.0).sqrt();
                    let s = t * c;
                    for r in 0..k {
                        let (arp, arq) = (a[r * k + p], a[r * k + q]);
                        a[r * k + p] = c * arp - s * arq;
                        a[r * k + q] = s * arp + c * arq;
                    }
                    for r in 0..k {
                        let (apr, aqr) = (a[p * k + r], a[q * k + r]);
                        a[p * k + r] = c * apr - s * aqr;
                        a[q * k + r] = s * apr + c * aqr;
                    }
                    for r in 0..k {
                        let (vrp, vrq) = (v[r * k + p], v[r * k + q]);
                        v[r * k + p] = c * vrp - s * vrq;
                        v[r * k + q] = s * vrp + c * vrq;
                    }
                }
            }
        }
        ((0..k).map(|i| a[i * k + i]).collect(), v)
    }

    /// The nearest correlation matrix in the simple sense: eigenvalues below `floor`
    /// raised to it, then rescaled to a unit diagonal.
    pub fn nearest_correlation(&self, floor: f64) -> Matrix {
        let k = self.k;
        let (values, v) = self.eigen();
        let mut out = Matrix {
            k,
            a: vec![0.0; k * k],
        };
        for i in 0..k {
            for j in 0..k {
                out.a[i * k + j] = (0..k)
                    .map(|m| v[i * k + m] * values[m].max(floor) * v[j * k + m])
                    .sum();
            }
        }
        let d: Vec<f64> = (0..k).map(|i| out.get(i, i).sqrt()).collect();
        for i in 0..k {
            for j in 0..k {
                out.a[i * k + j] /= d[i] * d[j];
            }
        }
        out
    }
}

/// y = L·z for the lower-triangular L (row-major), into `y`.
#[inline]
pub fn lower_times(l: &[f64], z: &[f64], y: &mut [f64]) {
    let k = z.len();
    for (i, yi) in y.iter_mut().enumerate() {
        *yi = (0..=i).map(|m| l[i * k + m] * z[m]).sum();
    }
}

/// Φ(y), the standard normal CDF, with its upper tail kept away from exactly 1.
#[inline]
pub fn std_normal_cdf(y: f64) -> f64 {
    let p = 0.5 * statrs::function::erf::erfc(-y / std::f64::consts::SQRT_2);
    p.min(1.0 - f64::EPSILON / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_and_pearson_convert_both_ways() {
        for r in [-0.9, -0.3, 0.0, 0.5, 0.99] {
            assert!((spearman_of_pearson(pearson_of_spearman(r)) - r).abs() < 1e-12);
        }
        assert!((pearson_of_spearman(1.0) - 1.0).abs() < 1e-15);
        let mut perfect = Matrix::identity(2);
        perfect.set_sym(0, 1, pearson_of_spearman(1.0));
        assert!(perfect.cholesky().is_some());
    }

    #[test]
    fn cholesky_reproduces_the_matrix_and_refuses_non_pd() {
        let mut m = Matrix::identity(3);
        m.set_sym(0, 1, 0.5);
        m.set_sym(1, 2, 0.3);
        let l = m.cholesky().unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((v - m.get(i, j)).abs() < 1e-12);
            }
        }
        let mut bad = Matrix::identity(3);
        bad.set_sym(0, 1, 0.9);
        bad.set_sym(1, 2, 0.9);
        bad.set_sym(0, 2, -0.9);
        assert!(bad.cholesky().is_none());
        let (values, _) = bad.eigen();
        assert!(values.iter().any(|&v| v < 0.0));
        let fixed = bad.nearest_correlation(1e-3);
        assert!(fixed.cholesky().is_some());
        assert!((fixed.get(1, 1) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn eigenvalues_of_a_known_matrix() {
        let mut m = Matrix::identity(2);
        m.set_sym(0, 1, 0.6);
        let (mut values, _) = m.eigen();
        values.sort_by(f64::total_cmp);
        assert!((values[0] - 0.4).abs() < 1e-12 && (values[1] - 1.6).abs() < 1e-12);
    }
}
