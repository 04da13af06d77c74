// Reference data the synthetic demo set draws from: realistic medicines, lab panels (LOINC), specialities.

export interface CatalogueMedicine {
  name: string;
  genericName: string;
  strength: string;
  formulation: string;
  route: string;
  /** Price in cents, so money stays exact. */
  priceCents: number;
  sideEffects: string[];
  contraindications: string[];
}

export const MEDICINES: readonly CatalogueMedicine[] = [
  {
    name: 'Amoxil',
    genericName: 'Amoxicillin',
    strength: '500mg',
    formulation: 'Capsule',
    route: 'oral',
    priceCents: 1250,
    sideEffects: ['nausea', 'diarrhoea', 'rash'],
    contraindications: ['penicillin allergy'],
  },
  {
    name: 'Glucophage',
    genericName: 'Metformin',
    strength: '850mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 890,
    sideEffects: ['nausea', 'abdominal pain'],
    contraindications: ['severe renal impairment'],
  },
  {
    name: 'Lipitor',
    genericName: 'Atorvastatin',
    strength: '20mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 2140,
    sideEffects: ['myalgia', 'headache'],
    contraindications: ['active liver disease', 'pregnancy'],
  },
  {
    name: 'Zestril',
    genericName: 'Lisinopril',
    strength: '10mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 760,
    sideEffects: ['dry cough', 'dizziness'],
    contraindications: ['angioedema history', 'pregnancy'],
  },
  {
    name: 'Norvasc',
    genericName: 'Amlodipine',
    strength: '5mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 820,
    sideEffects: ['ankle swelling', 'flushing'],
    contraindications: ['cardiogenic shock'],
  },
  {
    name: 'Ventolin',
    genericName: 'Salbutamol',
    strength: '100mcg',
    formulation: 'Inhaler',
    route: 'inhalation',
    priceCents: 1575,
    sideEffects: ['tremor', 'palpitations'],
    contraindications: [],
  },
  {
    name: 'Panadol',
    genericName: 'Paracetamol',
    strength: '500mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 350,
    sideEffects: [],
    contraindications: ['severe hepatic impairment'],
  },
  {
    name: 'Brufen',
    genericName: 'Ibuprofen',
    strength: '400mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 480,
    sideEffects: ['dyspepsia', 'nausea'],
    contraindications: ['active peptic ulcer', 'severe heart failure'],
  },
  {
    name: 'Losec',
    genericName: 'Omeprazole',
    strength: '20mg',
    formulation: 'Capsule',
    route: 'oral',
    priceCents: 990,
    sideEffects: ['headache', 'diarrhoea'],
    contraindications: [],
  },
  {
    name: 'Synthroid',
    genericName: 'Levothyroxine',
    strength: '50mcg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 1120,
    sideEffects: ['palpitations', 'insomnia'],
    contraindications: ['untreated adrenal insufficiency'],
  },
  {
    name: 'Zoloft',
    genericName: 'Sertraline',
    strength: '50mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 1860,
    sideEffects: ['nausea', 'insomnia'],
    contraindications: ['MAOI use'],
  },
  {
    name: 'Coumadin',
    genericName: 'Warfarin',
    strength: '5mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 940,
    sideEffects: ['bleeding'],
    contraindications: ['pregnancy', 'active bleeding'],
  },
  {
    name: 'Lasix',
    genericName: 'Furosemide',
    strength: '40mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 560,
    sideEffects: ['dehydration', 'hypokalaemia'],
    contraindications: ['anuria'],
  },
  {
    name: 'Deltasone',
    genericName: 'Prednisone',
    strength: '10mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 640,
    sideEffects: ['insomnia', 'raised blood glucose'],
    contraindications: ['systemic fungal infection'],
  },
  {
    name: 'Zithromax',
    genericName: 'Azithromycin',
    strength: '250mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 1780,
    sideEffects: ['diarrhoea', 'abdominal pain'],
    contraindications: ['macrolide allergy'],
  },
  {
    name: 'Augmentin',
    genericName: 'Amoxicillin and clavulanic acid',
    strength: '625mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 2260,
    sideEffects: ['diarrhoea', 'rash'],
    contraindications: ['penicillin allergy'],
  },
  {
    name: 'Benadryl',
    genericName: 'Diphenhydramine',
    strength: '12.5mg/5ml',
    formulation: 'Syrup',
    route: 'oral',
    priceCents: 730,
    sideEffects: ['drowsiness'],
    contraindications: ['neonates'],
  },
  {
    name: 'Lantus',
    genericName: 'Insulin glargine',
    strength: '100units/ml',
    formulation: 'Injection',
    route: 'subcutaneous',
    priceCents: 8950,
    sideEffects: ['hypoglycaemia'],
    contraindications: ['hypoglycaemia'],
  },
  {
    name: 'Plavix',
    genericName: 'Clopidogrel',
    strength: '75mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 2480,
    sideEffects: ['bruising', 'bleeding'],
    contraindications: ['active bleeding'],
  },
  {
    name: 'Cipro',
    genericName: 'Ciprofloxacin',
    strength: '500mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 1430,
    sideEffects: ['nausea', 'tendinitis'],
    contraindications: ['tizanidine use'],
  },
  {
    name: 'Zyrtec',
    genericName: 'Cetirizine',
    strength: '10mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 520,
    sideEffects: ['drowsiness'],
    contraindications: [],
  },
  {
    name: 'Flagyl',
    genericName: 'Metronidazole',
    strength: '400mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 860,
    sideEffects: ['metallic taste', 'nausea'],
    contraindications: ['alcohol use'],
  },
  {
    name: 'Tenormin',
    genericName: 'Atenolol',
    strength: '50mg',
    formulation: 'Tablet',
    route: 'oral',
    priceCents: 610,
    sideEffects: ['fatigue', 'cold extremities'],
    contraindications: ['asthma', 'bradycardia'],
  },
  {
    name: 'Neurontin',
    genericName: 'Gabapentin',
    strength: '300mg',
    formulation: 'Capsule',
    route: 'oral',
    priceCents: 1690,
    sideEffects: ['drowsiness', 'dizziness'],
    contraindications: [],
  },
];

export interface LabAnalyte {
  code: string;
  name: string;
  unit: string;
  low?: number;
  high?: number;
  /** Typical spread around the reference range, for synthetic values. */
  decimals: number;
  text?: readonly string[];
}

export interface LabPanel {
  code: string;
  name: string;
  description: string;
  analytes: readonly LabAnalyte[];
}

export const LOINC = 'http://loinc.org';

export const LAB_PANELS: readonly LabPanel[] = [
  {
    code: '58410-2',
    name: 'Complete blood count (CBC) panel',
    description: 'CBC panel - Blood by Automated count',
    analytes: [
      { code: '718-7', name: 'Hemoglobin', unit: 'g/dL', low: 13.5, high: 17.5, decimals: 1 },
      { code: '6690-2', name: 'Leukocytes', unit: '10*3/uL', low: 4.5, high: 11, decimals: 1 },
      { code: '777-3', name: 'Platelets', unit: '10*3/uL', low: 150, high: 400, decimals: 0 },
      { code: '4544-3', name: 'Hematocrit', unit: '%', low: 41, high: 53, decimals: 1 },
    ],
  },
  {
    code: '51990-0',
    name: 'Basic metabolic panel',
    description: 'Basic metabolic panel - Blood',
    analytes: [
      { code: '2345-7', name: 'Glucose', unit: 'mg/dL', low: 70, high: 99, decimals: 0 },
      { code: '2951-2', name: 'Sodium', unit: 'mmol/L', low: 136, high: 145, decimals: 0 },
      { code: '2823-3', name: 'Potassium', unit: 'mmol/L', low: 3.5, high: 5.1, decimals: 1 },
      { code: '2160-0', name: 'Creatinine', unit: 'mg/dL', low: 0.7, high: 1.3, decimals: 2 },
    ],
  },
  {
    code: '57698-3',
    name: 'Lipid panel',
    description: 'Lipid panel with direct LDL - Serum or Plasma',
    analytes: [
      { code: '2093-3', name: 'Cholesterol', unit: 'mg/dL', high: 200, decimals: 0 },
      { code: '2085-9', name: 'HDL Cholesterol', unit: 'mg/dL', low: 40, decimals: 0 },
      { code: '18262-6', name: 'LDL Cholesterol', unit: 'mg/dL', high: 130, decimals: 0 },
      { code: '2571-8', name: 'Triglyceride', unit: 'mg/dL', high: 150, decimals: 0 },
    ],
  },
  {
    code: '4548-4',
    name: 'Hemoglobin A1c',
    description: 'Hemoglobin A1c/Hemoglobin.total in Blood',
    analytes: [{ code: '4548-4', name: 'Hemoglobin A1c', unit: '%', low: 4, high: 5.6, decimals: 1 }],
  },
  {
    code: '3016-3',
    name: 'Thyrotropin (TSH)',
    description: 'Thyrotropin [Units/volume] in Serum or Plasma',
    analytes: [{ code: '3016-3', name: 'TSH', unit: 'm[IU]/L', low: 0.4, high: 4, decimals: 2 }],
  },
  {
    code: '24356-8',
    name: 'Urinalysis complete panel',
    description: 'Urinalysis complete panel - Urine',
    analytes: [
      { code: '5778-6', name: 'Color of Urine', unit: '', decimals: 0, text: ['Yellow', 'Pale yellow', 'Amber'] },
      { code: '5811-5', name: 'Specific gravity of Urine', unit: '', low: 1.005, high: 1.03, decimals: 3 },
      { code: '5803-2', name: 'pH of Urine', unit: '[pH]', low: 4.5, high: 8, decimals: 1 },
    ],
  },
];

export const SPECIALIZATIONS = [
  'General Practice',
  'Cardiology',
  'Endocrinology',
  'Pediatrics',
  'Dermatology',
  'Neurology',
  'Orthopedics',
  'Psychiatry',
  'Gastroenterology',
  'Pulmonology',
] as const;

export const VISIT_REASONS = [
  'Annual physical examination',
  'Follow-up for hypertension',
  'Persistent cough',
  'Diabetes review',
  'Lower back pain',
  'Skin rash',
  'Headache and dizziness',
  'Medication review',
  'Chest pain on exertion',
  'Fatigue',
  'Seasonal allergies',
  'Joint pain',
] as const;

export const DIAGNOSES = [
  'Essential hypertension',
  'Type 2 diabetes mellitus',
  'Acute bronchitis',
  'Hyperlipidaemia',
  'Migraine without aura',
  'Allergic rhinitis',
  'Gastro-oesophageal reflux disease',
  'Osteoarthritis of knee',
  'Iron deficiency anaemia',
  'Hypothyroidism',
] as const;

export const ALLERGIES = ['Penicillin', 'Peanuts', 'Latex', 'Sulfonamides', 'Shellfish', 'Aspirin', 'Pollen'] as const;
export const CHRONIC_DISEASES = [
  'Hypertension',
  'Type 2 diabetes',
  'Asthma',
  'COPD',
  'Hypothyroidism',
  'Chronic kidney disease',
] as const;
export const BLOOD_TYPES = ['O+', 'O-', 'A+', 'A-', 'B+', 'B-', 'AB+', 'AB-'] as const;
export const MARITAL_STATUSES = ['single', 'married', 'divorced', 'widowed', 'separated', 'domestic_partner'] as const;
export const INSURERS = [
  'Blue Cross Blue Shield',
  'Aetna',
  'Cigna',
  'UnitedHealthcare',
  'Humana',
  'Kaiser Permanente',
] as const;
export const RELATIONS = ['spouse', 'parent', 'child', 'sibling', 'friend', 'guardian'] as const;
