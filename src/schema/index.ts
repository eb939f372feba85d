// Assembles the schema from the domain modules; nothing else.
import { lexicographicSortSchema } from 'graphql';
import { builder } from '../builder.js';
import './scalars.js';
import './market.js';
import './cache.js';
import './news.js';
import './models.js';

export const schema = lexicographicSortSchema(builder.toSchema());
